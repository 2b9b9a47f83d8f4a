package main

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// openPty returns the two ends of a new pseudo-terminal.
func openPty(t *testing.T) (ptm, pts *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		t.Skipf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		m.Close()
		t.Skipf("ptsname: %v", err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Skipf("open pts: %v", err)
	}
	return m, s
}

// TestIsTerminal asks isTerminal about a pty, which is a terminal, and about /dev/null (a
// character device, but no terminal), a pipe and a file, which are not.
func TestIsTerminal(t *testing.T) {
	t.Parallel()
	ptm, pts := openPty(t)
	defer ptm.Close()
	defer pts.Close()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	file, err := os.Create(t.TempDir() + "/file")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	for _, c := range []struct {
		f    *os.File
		want bool
	}{{pts, true}, {ptm, true}, {null, false}, {pw, false}, {pr, false}, {file, false}} {
		if got := isTerminal(c.f); got != c.want {
			t.Errorf("isTerminal(%s) = %v, want %v", c.f.Name(), got, c.want)
		}
	}
	if p := newProgress(null, null); p.on {
		t.Errorf("a progress line on %s", os.DevNull)
	}
}

// TestProgressOnTerminal runs bench and cp with a terminal for output: both draw a progress line
// (redrawn with carriage returns), and bench's table is still all there.
func TestProgressOnTerminal(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		args []string
		want []string
	}{
		{"bench", benchArgs("-workload", "randread", "-duration", "500ms"), []string{"randread", "os.File", "IOPS", "ovio/os:"}},
		{"cp", nil, []string{"[#", "MiB/s", "copied 1 of 1 files"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ptm, pts := openPty(t)
			defer ptm.Close()
			args := c.args
			if c.name == "cp" {
				dir := t.TempDir()
				src := dir + "/src"
				os.WriteFile(src, make([]byte, 4<<20), 0o644)
				args = []string{"cp", "-limit", "8M", "-chunk", "256k", src, dir + "/dst"}
			}
			cmd := ovioCmd(t, t.Context(), "", nil, args...)
			cmd.Stdout, cmd.Stderr = pts, pts
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			pts.Close()
			var out bytes.Buffer
			done := make(chan struct{})
			go func() {
				io.Copy(&out, ptm) // ends with EIO once the process has exited
				close(done)
			}()
			cmd.Wait()
			<-done
			s := out.String()
			if cmd.ProcessState.ExitCode() != 0 {
				t.Fatalf("exit status %d\n%s", cmd.ProcessState.ExitCode(), s)
			}
			if !strings.Contains(s, "\r") {
				t.Errorf("no progress line:\n%q", s)
			}
			for _, w := range c.want {
				if !strings.Contains(s, w) {
					t.Errorf("output lacks %q:\n%q", w, s)
				}
			}
		})
	}
}
