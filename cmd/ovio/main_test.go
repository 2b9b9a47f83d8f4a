package main

// The tests run the ovio binary as a user would, through os/exec: its output, its exit status,
// and what it leaves on disk. TestMain builds it once with go build (with -race when the tests
// have it); where there is no go command (Windows tests under Wine), the test binary itself
// stands in for it: run with OVIO_TEST_AS_OVIO=1, it is the command.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ovio/ovio/internal/leakcheck"
)

// ovioBin is the command under test; ovioEnv what its environment adds.
var (
	ovioBin string
	ovioEnv []string
)

const asOvio = "OVIO_TEST_AS_OVIO"

func TestMain(m *testing.M) {
	if os.Getenv(asOvio) == "1" {
		main()
		return
	}
	dir, err := os.MkdirTemp("", "ovio-cmd-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// The leak check counts this process's goroutines and descriptors after the tests: the
	// build has ended by then, and the ovio processes the tests start are processes of their own
	// (one left running keeps its pipes open here, and that is seen).
	leakcheck.Main(leakcheck.RunFunc(func() int {
		defer os.RemoveAll(dir)
		if gobin, err := exec.LookPath("go"); err == nil {
			ovioBin = filepath.Join(dir, "ovio")
			args := []string{"build", "-o", ovioBin}
			if raceBuild {
				args = append(args, "-race")
			}
			out, err := exec.Command(gobin, append(args, ".")...).CombinedOutput()
			if err != nil {
				fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
				return 1
			}
		} else {
			ovioBin, err = os.Executable()
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			ovioEnv = []string{asOvio + "=1"}
		}
		// A race-enabled binary sleeps a second before it exits, unless told not to.
		if raceBuild && os.Getenv("GORACE") == "" {
			ovioEnv = append(ovioEnv, "GORACE=atexit_sleep_ms=0")
		}
		return m.Run()
	}))
}

// result is what a run of ovio did.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit status %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// ovioCmd returns the command that runs ovio with args, in dir (if not ""), with env added to
// the environment.
func ovioCmd(t *testing.T, ctx context.Context, dir string, env []string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.CommandContext(ctx, ovioBin, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), ovioEnv...), env...)
	return cmd
}

// run runs ovio with args and returns what it did; it fails the test if ovio takes more than a
// minute.
func run(t *testing.T, args ...string) result {
	t.Helper()
	return runIn(t, "", nil, args...)
}

func runIn(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var cmd *exec.Cmd
	var stdout, stderr bytes.Buffer
	var err error
	for try := 1; ; try++ {
		cmd = ovioCmd(t, ctx, dir, env, args...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err = cmd.Run()
		// Wine's CreateProcess sometimes fails under load (see startTransient): try again.
		if cmd.ProcessState != nil || !startTransient(err) || try == 3 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	r := result{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
	if ctx.Err() != nil {
		t.Fatalf("ovio %s: timed out\n%v", strings.Join(args, " "), r)
	}
	if err != nil && cmd.ProcessState == nil {
		t.Fatalf("ovio %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// expect checks the exit status, and that stdout and stderr hold the given strings.
func (r result) expect(t *testing.T, code int, stdout, stderr []string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit status %d, want %d\n%v", r.code, code, r)
		return
	}
	for _, s := range stdout {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("stdout lacks %q\n%v", s, r)
		}
	}
	for _, s := range stderr {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("stderr lacks %q\n%v", s, r)
		}
	}
}

func TestUsage(t *testing.T) {
	t.Parallel()
	run(t).expect(t, exitUsage, nil, []string{"Usage:", "bench", "cp", "hydrate", "Exit status"})
	for _, h := range []string{"-h", "--help", "help"} {
		r := run(t, h)
		r.expect(t, exitOK, []string{"Usage:", "Commands:", "Exit status"}, nil)
		if r.stderr != "" {
			t.Errorf("ovio %s: stderr %q", h, r.stderr)
		}
	}
	run(t, "frob").expect(t, exitUsage, nil, []string{`unknown command "frob"`, "Usage:"})
	run(t, "-x").expect(t, exitUsage, nil, []string{"unknown flag -x"})
	run(t, "help", "frob").expect(t, exitUsage, nil, []string{`unknown command "frob"`})
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"help", "bench"}, []string{"Usage: ovio bench", "-workload", "-bs", "-depth", "-duration", "-direct", "-file", "-size", "-engine", "-json", "-levers"}},
		{[]string{"bench", "-h"}, []string{"Usage: ovio bench"}},
		{[]string{"bench", "--help"}, []string{"Usage: ovio bench"}},
		{[]string{"cp", "-h"}, []string{"Usage: ovio cp", "-r", "-fsync", "-window", "Symbolic links"}},
		{[]string{"help", "hydrate"}, []string{"Usage: ovio hydrate"}},
	} {
		run(t, c.args...).expect(t, exitOK, c.want, nil)
	}
	// The hidden command is not offered.
	if r := run(t, "help"); strings.Contains(r.stdout, phaseCommand) {
		t.Errorf("usage shows %s", phaseCommand)
	}
}

func TestBadUsage(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "-bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"bench", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"bench", "-workload", "frob"}, "-workload frob: unknown (workloads: randread, randwrite, read, write, nop)"},
		{[]string{"bench", "-engine", "frob"}, "-engine frob: no such engine here (engines here: "},
		{[]string{"bench", "-bs", "0"}, "-bs 0: must be"},
		{[]string{"bench", "-bs", "4q"}, `invalid size "4q"`},
		{[]string{"bench", "-depth", "0"}, "-depth 0: want a count"},
		{[]string{"bench", "-depth", "x"}, "-depth x: want a count"},
		{[]string{"bench", "-duration", "0s"}, "-duration 0s: must be positive"},
		{[]string{"bench", "-duration", "soon"}, `invalid value "soon" for flag -duration`},
		{[]string{"bench", "-size", "0"}, "-size must be positive"},
		{[]string{"bench", "extra"}, `unexpected argument "extra"`},
		{[]string{"cp"}, "want a source and a destination"},
		{[]string{"cp", "a"}, "want a source and a destination"},
		{[]string{"cp", "-window", "0", "a", "b"}, "-window must be at least 1"},
		{[]string{"cp", "-j", "0", "a", "b"}, "-j must be at least 1"},
		{[]string{"cp", "-chunk", "0", "a", "b"}, "-chunk must be"},
		{[]string{"cp", "-engine", "frob", "a", "b"}, "-engine frob: no such engine here"},
		{[]string{"hydrate", "-bogus"}, "flag provided but not defined: -bogus"},
	} {
		r := run(t, c.args...)
		r.expect(t, exitUsage, nil, []string{c.want, "Run 'ovio help " + c.args[0] + "' for usage."})
		if r.stdout != "" {
			t.Errorf("ovio %s: stdout %q", strings.Join(c.args, " "), r.stdout)
		}
	}
}
