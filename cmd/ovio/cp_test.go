package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// treeSum describes the tree at root, one line per entry: its path, type, permission bits, and
// the sha256 of a file's contents or a link's target.
func treeSum(t *testing.T, root string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		info, err := d.Info()
		if err != nil {
			return err
		}
		var sum string
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			sum = "-> " + target
		case d.Type().IsRegular():
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			h := sha256.Sum256(data)
			sum = hex.EncodeToString(h[:])
		}
		perm := info.Mode().Perm().String()
		if d.Type()&fs.ModeSymlink != 0 || runtime.GOOS == "windows" {
			perm = "" // a link's own bits are not its target's; Windows has only read-only
		}
		lines = append(lines, strings.Join([]string{filepath.ToSlash(rel), d.Type().String(), perm, sum}, " "))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// makeTree writes a tree of files under root: empty, small, larger than the copy's window of
// chunks, in nested and empty directories, with their own permissions and a symbolic link.
func makeTree(t *testing.T, root string) {
	t.Helper()
	data := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*31 + i/4096)
		}
		return b
	}
	for _, d := range []string{"a/b/c", "empty", "ro"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, f := range map[string]struct {
		size int
		perm fs.FileMode
	}{
		"zero":      {0, 0o644},
		"one":       {1, 0o600},
		"a/page":    {4095, 0o640},
		"a/b/big":   {3<<20 + 7, 0o644}, // > -window 4 × -chunk 64k, and not a multiple of it
		"a/b/c/exe": {70000, 0o755},
		"ro/file":   {100, 0o444},
	} {
		p := filepath.Join(root, name)
		if err := os.WriteFile(p, data(f.size), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, f.perm); err != nil {
			t.Fatal(err)
		}
	}
	if runtime.GOOS != "windows" {
		if err := os.Symlink("../one", filepath.Join(root, "a", "link")); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("nowhere", filepath.Join(root, "dangling")); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(root, "ro"), 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(filepath.Join(root, "ro"), 0o755) })
}

// noTemps fails the test if a temporary file of ovio cp is left under root.
func noTemps(t *testing.T, root string) {
	t.Helper()
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".ovio-") {
			t.Errorf("temporary file left behind: %s", path)
		}
		return nil
	})
}

func TestCpTree(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	makeTree(t, src)
	want := treeSum(t, src)
	cases := []struct {
		name string
		args []string
	}{
		{"small-window", []string{"-chunk", "64k", "-window", "4", "-j", "2"}},
		{"defaults", nil},
		{"fsync-one-at-a-time", []string{"-fsync", "-chunk", "1000", "-window", "1", "-j", "1"}},
	}
	if runtime.GOOS == "linux" {
		cases = append(cases, struct {
			name string
			args []string
		}{"blocking-engine", []string{"-engine", "blocking", "-chunk", "64k", "-window", "4"}})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dst := filepath.Join(dir, c.name)
			args := append(append([]string{"cp", "-r"}, c.args...), src, dst)
			r := run(t, args...)
			r.expect(t, exitOK, nil, nil)
			if r.stdout != "" || r.stderr != "" {
				t.Errorf("output from a quiet copy\n%v", r)
			}
			if got := treeSum(t, dst); got != want {
				t.Errorf("copy differs:\n%s\nwant:\n%s", got, want)
			}
			os.Chmod(filepath.Join(dst, "ro"), 0o755)
			noTemps(t, dst)
		})
	}

	// Into an existing directory, under the source's name, with several sources at once.
	into := filepath.Join(dir, "into")
	os.Mkdir(into, 0o755)
	r := run(t, "cp", "-r", "-v", src, filepath.Join(src, "a", "page"), into)
	r.expect(t, exitOK, []string{filepath.Join(into, "page")}, nil)
	if got := treeSum(t, filepath.Join(into, "src")); got != want {
		t.Errorf("copy into a directory differs:\n%s\nwant:\n%s", got, want)
	}
	os.Chmod(filepath.Join(into, "src", "ro"), 0o755)

	// A file onto an existing file: replaced.
	onto := filepath.Join(dir, "onto")
	os.WriteFile(onto, []byte("old contents, longer than the new"), 0o644)
	run(t, "cp", filepath.Join(src, "one"), onto).expect(t, exitOK, nil, nil)
	if b, _ := os.ReadFile(onto); len(b) != 1 {
		t.Errorf("replaced file holds %q", b)
	}
}

func TestCpErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	makeTree(t, src)
	out := filepath.Join(dir, "out")
	os.Mkdir(out, 0o755)

	// A missing source is named; the others are still copied.
	missing := filepath.Join(dir, "missing")
	r := run(t, "cp", missing, filepath.Join(src, "one"), out)
	r.expect(t, exitFailure, nil, []string{"ovio cp: open " + missing + ": ", "1 failed; copied 1 of 1 files"})
	if _, err := os.Stat(filepath.Join(out, "one")); err != nil {
		t.Errorf("the good source was not copied: %v", err)
	}

	// A directory without -r.
	run(t, "cp", src, filepath.Join(dir, "x")).expect(t, exitFailure, nil, []string{src + ": is a directory (not copied; -r copies trees)"})
	// Several sources into something that is not a directory.
	run(t, "cp", filepath.Join(src, "one"), filepath.Join(src, "zero"), filepath.Join(dir, "nodir")).
		expect(t, exitFailure, nil, []string{"not a directory"})
	// Into a directory that does not exist: named as asked.
	nowhere := filepath.Join(dir, "nowhere", "f")
	run(t, "cp", filepath.Join(src, "one"), nowhere).expect(t, exitFailure, nil, []string{"create " + nowhere + ": "})
	// Onto itself; a tree into itself.
	one := filepath.Join(src, "one")
	run(t, "cp", one, one).expect(t, exitFailure, nil, []string{"are the same file"})
	run(t, "cp", "-r", src, filepath.Join(src, "a", "inside")).expect(t, exitFailure, nil, []string{"cannot copy a directory into itself"})
	if runtime.GOOS != "windows" {
		// A FIFO in a tree is refused, and the rest copied.
		if err := mkfifo(filepath.Join(src, "fifo")); err != nil {
			t.Fatal(err)
		}
		r := run(t, "cp", "-r", src, filepath.Join(dir, "withfifo"))
		r.expect(t, exitFailure, nil, []string{"fifo: not a regular file, directory or symbolic link"})
		if _, err := os.Stat(filepath.Join(dir, "withfifo", "a", "b", "big")); err != nil {
			t.Errorf("the rest was not copied: %v", err)
		}
		os.Chmod(filepath.Join(dir, "withfifo", "ro"), 0o755)
	}
	noTemps(t, dir)
}

// TestCpWriteFails fails a copy in the middle of a file (the file size limit makes write fail
// with EFBIG): the error names the file, and neither the destination nor a temporary file is left.
func TestCpWriteFails(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("needs ulimit -f")
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip(err)
	}
	t.Parallel()
	dir := t.TempDir()
	src := filepath.Join(dir, "big")
	if err := os.WriteFile(src, make([]byte, 2<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	os.Mkdir(out, 0o755)
	cmd := exec.Command(sh, "-c", `ulimit -f 1024 && exec "$0" "$@"`, ovioBin, "cp", "-chunk", "64k", src, out)
	cmd.Env = append(os.Environ(), ovioEnv...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Run()
	r := result{stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()}
	r.expect(t, exitFailure, nil, []string{"ovio cp: write " + filepath.Join(out, "big") + ": file too large"})
	expectEmpty(t, out)
}

// TestCpInterrupt interrupts a slow copy, as Ctrl-C would: it stops at once, says how far it got,
// exits with status 130, and leaves no file behind, under its name or a temporary one.
func TestCpInterrupt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := filepath.Join(dir, "big")
	if err := os.WriteFile(src, make([]byte, 8<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	os.Mkdir(out, 0o755)
	cmd := ovioCmd(t, t.Context(), "", nil, "cp", "-limit", "1M", "-chunk", "64k", src, out)
	ownGroup(cmd) // on Windows, a console for the Ctrl-C
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond)
	start := time.Now()
	if err := interruptGroup(cmd); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v to stop", d)
	}
	r := result{stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()}
	r.expect(t, exitInterrupted, nil, []string{"ovio cp: copied 0 of 1 files", "ovio cp: interrupted"})
	expectEmpty(t, out)
}

// TestCpFIFO names a FIFO on the command line: it is refused at once, naming it, not opened for
// reading (which would wait for a writer that never comes), and the other sources are copied.
func TestCpFIFO(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no FIFOs in a Windows file system")
	}
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := mkfifo(fifo); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good")
	os.WriteFile(good, []byte("contents"), 0o644)
	out := filepath.Join(dir, "out")
	os.Mkdir(out, 0o755)
	// run's timeout is the guard: before the fix, ovio waited in open(2) for ever.
	r := run(t, "cp", fifo, good, out)
	r.expect(t, exitFailure, nil, []string{"ovio cp: " + fifo + ": not a regular file, directory or symbolic link", "1 failed; copied 1 of 1 files"})
	if b, err := os.ReadFile(filepath.Join(out, "good")); err != nil || string(b) != "contents" {
		t.Errorf("the good source: %q, %v", b, err)
	}
	if _, err := os.Lstat(filepath.Join(out, "fifo")); err == nil {
		t.Errorf("the FIFO was copied")
	}
	// Alone, onto a new name.
	run(t, "cp", fifo, filepath.Join(dir, "x")).expect(t, exitFailure, nil, []string{fifo + ": not a regular file"})
	noTemps(t, dir)
}

// TestCpProcFile copies files whose size says nothing of their contents, as in /proc (size 0): all
// of what they hold is copied, as by cp(1), not the 0 bytes their size says.
func TestCpProcFile(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs Linux's /proc")
	}
	t.Parallel()
	dir := t.TempDir()
	// /proc/self/status is ovio's own, and different each time: its first line is still known.
	r := run(t, "cp", "-chunk", "100", "/proc/self/status", "/proc/self/cmdline", dir)
	r.expect(t, exitOK, nil, nil)
	st, err := os.ReadFile(filepath.Join(dir, "status"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(st), "Name:\tovio") || !strings.HasSuffix(string(st), "\n") || len(st) < 500 {
		t.Errorf("copy of /proc/self/status holds %d bytes:\n%s", len(st), st)
	}
	cmdline, err := os.ReadFile(filepath.Join(dir, "cmdline"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cmdline), "\x00/proc/self/cmdline\x00") {
		t.Errorf("copy of /proc/self/cmdline holds %q", cmdline)
	}
	// A file of the test process, which does not change, compared whole, through each engine.
	environ := "/proc/" + strconv.Itoa(os.Getpid()) + "/environ"
	want, err := os.ReadFile(environ)
	if err != nil || len(want) == 0 {
		t.Fatalf("%s: %d bytes, %v", environ, len(want), err)
	}
	for _, e := range []string{"", "blocking"} {
		dst := filepath.Join(dir, "environ-"+e)
		run(t, "cp", "-engine", e, "-chunk", "4k", environ, dst).expect(t, exitOK, nil, nil)
		if got, _ := os.ReadFile(dst); !bytes.Equal(got, want) {
			t.Errorf("-engine %q: copy of %s holds %d bytes, want %d", e, environ, len(got), len(want))
		}
	}
}

// TestCpFileChanges changes a file while ovio cp copies it, one chunk at a time: a file that grows
// is copied whole, to its new end, as by cp(1), not cut at the size seen when the sources were
// listed; one that shrinks before cp reads that far is copied as it has become.
func TestCpFileChanges(t *testing.T) {
	t.Parallel()
	const size, chunk = 1 << 20, 64 << 10
	data := make([]byte, size+300000)
	for i := range data {
		data[i] = byte(i*7 + i/chunk)
	}
	for _, c := range []struct {
		name   string
		change func(src string) error
		want   []byte
		before int64 // the change must land before cp has written this much: before it reads on
	}{
		{"grows", func(src string) error {
			f, err := os.OpenFile(src, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				return err
			}
			_, err = f.Write(data[size:])
			return errors.Join(err, f.Close())
		}, data, size},
		{"shrinks", func(src string) error { return os.Truncate(src, size/2) }, data[:size/2], size/2 - chunk},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			// Each attempt is slower than the last, until the change lands while cp is still
			// short of where it would read it: cp is slowed by -limit, and nothing else is timed.
			for limit := 1 << 20; ; limit /= 2 {
				if limit < 32<<10 {
					t.Fatal("cp always got too far before the file could be changed")
				}
				if copyChanging(t, c.change, data[:size], c.want, limit, c.before) {
					return
				}
			}
		})
	}
}

// copyChanging copies a file holding data with ovio cp, one chunk at a time at limit bytes per
// second, and calls change on it as soon as the copy has begun. If cp had written less than
// before by then, it checks that the copy holds want and reports true; if not, it reports false.
func copyChanging(t *testing.T, change func(src string) error, data, want []byte, limit int, before int64) bool {
	t.Helper()
	dir := t.TempDir()
	src, out := filepath.Join(dir, "src"), filepath.Join(dir, "out")
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(out, 0o755)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := ovioCmd(t, ctx, "", nil, "cp", "-chunk", "64k", "-window", "1", "-limit", strconv.Itoa(limit), src, out)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	// The temporary file shows that cp has listed the file, and has begun to copy it.
	var tmp string
	for tmp == "" {
		select {
		case <-exited:
			t.Logf("cp ended before the copy could be seen (-limit %d)", limit)
			return false
		case <-time.After(5 * time.Millisecond):
		}
		ents, _ := os.ReadDir(out)
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), ".src.ovio-") {
				tmp = filepath.Join(out, e.Name())
			}
		}
	}
	if err := change(src); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(tmp)
	inTime := err == nil && fi.Size() < before
	<-exited
	if ctx.Err() != nil {
		t.Fatalf("ovio cp timed out\n%s", stderr.String())
	}
	if !inTime {
		t.Logf("cp got too far before the file changed (-limit %d)", limit)
		return false
	}
	r := result{stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()}
	r.expect(t, exitOK, nil, nil)
	got, err := os.ReadFile(filepath.Join(out, "src"))
	if err != nil {
		t.Fatal(err)
	}
	if g, w := sha256.Sum256(got), sha256.Sum256(want); g != w {
		t.Errorf("copy holds %d bytes (sha256 %x), want %d (sha256 %x)", len(got), g[:8], len(want), w[:8])
	}
	noTemps(t, out)
	return true
}
