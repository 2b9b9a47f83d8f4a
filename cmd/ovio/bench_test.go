package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// quick are the flags that keep a bench run short: a small file, short phases.
var quick = []string{"-size", "4M", "-duration", "50ms", "-warmup", "10ms"}

func benchArgs(extra ...string) []string {
	return append(append([]string{"bench"}, quick...), extra...)
}

// tmpEnv returns a fresh temporary directory and the environment that makes it ovio's, so that
// a test can check that nothing is left in it.
func tmpEnv(t *testing.T) (string, []string) {
	dir := t.TempDir()
	env := []string{"TMPDIR=" + dir}
	if runtime.GOOS == "windows" {
		env = []string{"TMP=" + dir, "TEMP=" + dir}
	}
	return dir, env
}

// expectEmpty fails the test if dir holds anything.
func expectEmpty(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		t.Errorf("left behind in %s: %s", dir, e.Name())
	}
}

// phases parses -json output.
func phases(t *testing.T, out string) []map[string]any {
	t.Helper()
	var ps []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var p map[string]any
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			t.Fatalf("not JSON: %q: %v", line, err)
		}
		ps = append(ps, p)
	}
	return ps
}

func TestBenchJSON(t *testing.T) {
	t.Parallel()
	tmp, env := tmpEnv(t)
	r := runIn(t, "", env, benchArgs("-workload", "randread,write,nop", "-depth", "1,3", "-json")...)
	r.expect(t, exitOK, nil, nil)
	ps := phases(t, r.stdout)
	sides := 2
	if !nopKnown {
		sides = 1 // nop has no os side: the ovio side alone
	}
	if want := 2*2*2 + 2*sides; len(ps) != want {
		t.Fatalf("%d phases, want %d\n%v", len(ps), want, r)
	}
	fields := []string{"engine", "side", "lever", "workload", "block_size", "depth", "iops", "mib_s",
		"p50_us", "p99_us", "p999_us", "cpu_us_per_op", "threads", "mode"}
	for i, p := range ps {
		for _, f := range fields {
			if _, ok := p[f]; !ok {
				t.Errorf("phase %d lacks %q: %v", i, f, p)
			}
		}
		if p["iops"].(float64) <= 0 || p["p50_us"].(float64) <= 0 || p["p99_us"].(float64) < p["p50_us"].(float64) {
			t.Errorf("phase %d: implausible: %v", i, p)
		}
		if threadsKnown && p["threads"].(float64) < 1 {
			t.Errorf("phase %d: no threads counted: %v", i, p)
		}
		switch p["side"] {
		case "os":
			if p["engine"] != "os.File" {
				t.Errorf("phase %d: os side's engine %v", i, p["engine"])
			}
		case "ovio":
			if p["workload"] != "nop" || nopKnown {
				if _, ok := p["ratio"]; !ok {
					t.Errorf("phase %d: ovio side without a ratio: %v", i, p)
				}
			}
		default:
			t.Errorf("phase %d: side %v", i, p["side"])
		}
		if p["workload"] == "nop" && p["block_size"].(float64) != 0 {
			t.Errorf("nop with a block size: %v", p)
		}
	}
	expectEmpty(t, tmp)
}

func TestBenchTable(t *testing.T) {
	t.Parallel()
	tmp, env := tmpEnv(t)
	r := runIn(t, "", env, benchArgs("-workload", "randwrite", "-depth", "2")...)
	r.expect(t, exitOK, []string{"ovio bench:", "workload", "IOPS", "p99.9 µs", "CPU µs/op", "threads",
		"ovio/os", "randwrite", "os.File", "ovio", "×"}, nil)
	if strings.Contains(r.stdout, "\r") {
		t.Errorf("progress line on a pipe:\n%q", r.stdout)
	}
	if r.stderr != "" {
		t.Errorf("stderr: %s", r.stderr)
	}
	expectEmpty(t, tmp)
}

func TestBenchLevers(t *testing.T) {
	t.Parallel()
	r := run(t, benchArgs("-workload", "randread", "-depth", "4", "-levers", "-json")...)
	r.expect(t, exitOK, nil, nil)
	levers := map[string]int{}
	for _, p := range phases(t, r.stdout) {
		if l := p["lever"].(string); l != "" {
			levers[l]++
			if _, ok := p["vs_base"]; !ok {
				t.Errorf("lever %s without vs_base: %v", l, p)
			}
		}
		if p["lever"] == "batch" && p["mode"] != "batch" {
			t.Errorf("batch lever not in batch mode: %v", p)
		}
	}
	if levers["batch"] != 1 {
		t.Errorf("batch lever ran %d times, want 1\n%v", levers["batch"], r)
	}
	for _, l := range []string{"issuer", "coop", "sqpoll"} {
		if runtime.GOOS == "linux" && levers[l] != 1 {
			t.Errorf("%s lever ran %d times, want 1\n%v", l, levers[l], r)
		}
	}
	if runtime.GOOS != "windows" && levers["ring"] != 1 {
		t.Errorf("ring lever ran %d times, want 1\n%v", levers["ring"], r)
	}

	// The table says what each lever is, and why one did not run.
	r = run(t, benchArgs("-workload", "nop", "-levers")...)
	r.expect(t, exitOK, []string{"vs base", "ovio +batch", "lever ring: for reads and writes only"}, nil)
}

func TestBenchBatchIssuer(t *testing.T) {
	t.Parallel()
	args := benchArgs("-workload", "randread,randwrite", "-depth", "8", "-batch", "-json")
	if runtime.GOOS == "linux" {
		args = append(args, "-issuer")
	}
	r := run(t, args...)
	r.expect(t, exitOK, nil, nil)
	for _, p := range phases(t, r.stdout) {
		if p["side"] == "ovio" && (p["mode"] != "batch" || p["issuer"] != (runtime.GOOS == "linux")) {
			t.Errorf("ovio phase not as asked: %v", p)
		}
		if p["side"] == "os" && p["mode"] != "goroutines" {
			t.Errorf("os phase not with goroutines: %v", p)
		}
	}
}

func TestBenchDirect(t *testing.T) {
	t.Parallel()
	if directFlag == 0 {
		run(t, benchArgs("-direct")...).expect(t, exitUsage, nil, []string{"-direct: O_DIRECT is Linux only"})
		return
	}
	// O_DIRECT needs a file system that has it: try the temporary directory's.
	dir := t.TempDir()
	if f, err := os.OpenFile(filepath.Join(dir, "probe"), os.O_CREATE|os.O_RDWR|directFlag, 0o600); err != nil {
		t.Skipf("no O_DIRECT in %s: %v", dir, err)
	} else {
		f.Close()
		os.Remove(f.Name())
	}
	r := run(t, benchArgs("-direct", "-file", dir, "-workload", "randread,randwrite", "-depth", "4", "-json")...)
	r.expect(t, exitOK, nil, nil)
	for _, p := range phases(t, r.stdout) {
		if p["direct"] != true || p["nowait"] != false || (p["side"] == "ovio" && p["api"] != "ovio.File") {
			t.Errorf("phase not O_DIRECT through ovio.File, or trying the page cache first: %v", p)
		}
	}
	expectEmpty(t, dir)
	run(t, benchArgs("-direct", "-bs", "1000")...).expect(t, exitUsage, nil, []string{"multiple of 512"})
}

func TestBenchFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()

	// A file in a directory that does not exist: the error names it.
	missing := filepath.Join(dir, "nodir", "f")
	run(t, benchArgs("-file", missing)...).expect(t, exitFailure, nil, []string{"ovio bench: open " + missing + ": "})

	// A new file is created and removed.
	fresh := filepath.Join(dir, "fresh")
	run(t, benchArgs("-file", fresh, "-workload", "read")...).expect(t, exitOK, []string{fresh, "created"}, nil)
	if _, err := os.Stat(fresh); !os.IsNotExist(err) {
		t.Errorf("%s left behind: %v", fresh, err)
	}

	// An existing file is used, not removed, and not written without -overwrite.
	old := filepath.Join(dir, "old")
	if err := os.WriteFile(old, make([]byte, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, benchArgs("-file", old, "-workload", "randread")...).expect(t, exitOK, []string{old, "existing"}, nil)
	run(t, benchArgs("-file", old, "-workload", "randwrite")...).expect(t, exitUsage, nil, []string{"add -overwrite"})
	run(t, benchArgs("-file", old, "-workload", "randwrite", "-overwrite")...).expect(t, exitOK, nil, nil)
	if fi, err := os.Stat(old); err != nil || fi.Size() != 1<<20 {
		t.Errorf("existing file: %v, %v", fi, err)
	}
	// Smaller than a block.
	tiny := filepath.Join(dir, "tiny")
	os.WriteFile(tiny, []byte("x"), 0o644)
	run(t, benchArgs("-file", tiny, "-workload", "randread")...).expect(t, exitFailure, nil, []string{"smaller than one block", "2 of 2 phases failed"})
}

// TestBenchInterrupt interrupts a long run, as Ctrl-C would: it stops soon, prints the phase cut
// short, exits with status 130 and leaves no temporary file behind. Ctrl-C on a terminal reaches
// the phase's process too ("group"), a kill(1) only ovio ("parent"); a second Ctrl-C ends ovio at
// once, and still removes the file ("twice").
func TestBenchInterrupt(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"parent", "group", "twice"} {
		t.Run(how, func(t *testing.T) {
			if runtime.GOOS == "windows" && how == "parent" {
				// Ctrl-C on Windows is a console control event, for a process group of a console:
				// the phase's process is in ovio's, and one process alone cannot be interrupted.
				t.Skip("Windows has no signal for one process: Ctrl-C reaches all of a console's process group")
			}
			t.Parallel()
			tmp, env := tmpEnv(t)
			cmd := ovioCmd(t, t.Context(), "", env, "bench", "-size", "4M", "-duration", "30s", "-workload", "randread", "-depth", "2")
			ownGroup(cmd)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Wait for the table's head, then let the first phase run a little.
			sc := bufio.NewScanner(stdout)
			var out strings.Builder
			for sc.Scan() {
				out.WriteString(sc.Text() + "\n")
				if strings.HasPrefix(sc.Text(), "workload") {
					break
				}
			}
			time.Sleep(500 * time.Millisecond)
			start := time.Now()
			switch how {
			case "parent":
				cmd.Process.Signal(syscall.SIGINT)
			case "group":
				if err := interruptGroup(cmd); err != nil {
					t.Fatal(err)
				}
			case "twice":
				if runtime.GOOS == "windows" { // the console's Ctrl-C, twice
					if err := interruptGroupTwice(cmd); err != nil {
						t.Fatal(err)
					}
					break
				}
				cmd.Process.Signal(syscall.SIGINT)
				time.Sleep(20 * time.Millisecond)
				cmd.Process.Signal(syscall.SIGINT)
			}
			for sc.Scan() {
				out.WriteString(sc.Text() + "\n")
			}
			cmd.Wait()
			r := result{stdout: out.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %v to stop", d)
			}
			if how == "twice" {
				// Whether the second came before the first was dealt with or not: 130, and no file.
				r.expect(t, exitInterrupted, nil, nil)
			} else {
				r.expect(t, exitInterrupted, []string{"os.File", "(interrupted after"}, []string{"ovio bench: interrupted"})
			}
			if strings.Contains(r.stdout, "ovio/os:") {
				t.Errorf("the run went on after the interrupt\n%v", r)
			}
			expectEmpty(t, tmp)
		})
	}
}

// TestBenchEngines runs ovio's side on each engine of the platform, chosen by -engine or by
// OVIO_ENGINE, and checks that the report says which ran and why.
func TestBenchEngines(t *testing.T) {
	t.Parallel()
	for _, name := range engineNames() {
		r := run(t, benchArgs("-workload", "randread", "-engine", name, "-json")...)
		r.expect(t, exitOK, nil, nil)
		ps := phases(t, r.stdout)
		if got := ps[len(ps)-1]["engine"]; got != name {
			t.Errorf("-engine %s ran %v", name, got)
		}
	}
	if runtime.GOOS != "linux" {
		return
	}
	r := runIn(t, "", []string{"OVIO_ENGINE=blocking"}, benchArgs("-workload", "randread")...)
	r.expect(t, exitOK, []string{"ovio's blocking engine", "engine: blocking, io_uring not used: another engine was asked for: OVIO_ENGINE=blocking"}, nil)
	r = runIn(t, "", []string{"OVIO_ENGINE=blocking"}, benchArgs("-workload", "nop", "-json")...)
	r.expect(t, exitOK, []string{`"fallback":"io_uring not used: another engine was asked for: OVIO_ENGINE=blocking"`}, nil)
	runIn(t, "", []string{"OVIO_ENGINE=frob"}, benchArgs()...).expect(t, exitFailure, nil, []string{`OVIO_ENGINE: unknown engine "frob"`})
	runIn(t, "", []string{"OVIO_ENGINE=blocking"}, benchArgs("-issuer")...).expect(t, exitUsage, nil, []string{"-issuer: the io_uring engine's lever, and the engine is blocking"})
}

// TestStartPhase: a phase's process that cannot start is an error at once; a start error that
// passes is told apart from one that does not.
func TestStartPhase(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	_, _, err := startPhase(context.Background(), io.Discard, missing, "a", "b")
	if err == nil || startTransient(err) {
		t.Fatalf("start of %s: %v (transient: %v), want a lasting error", missing, err, startTransient(err))
	}
	wrapped := &fs.PathError{Op: "fork/exec", Path: missing, Err: transientStartErr}
	if !startTransient(wrapped) {
		t.Errorf("startTransient(%v) = false, want true", wrapped)
	}
}
