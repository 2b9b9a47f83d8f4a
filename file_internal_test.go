//go:build linux

package ovio

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestFileCloseWaitsForRefs holds a reference as an op in flight would and checks that Close
// waits for it before it closes the descriptor.
func TestFileCloseWaitsForRefs(t *testing.T) {
	e, err := Open(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	f, err := e.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	if !f.ref.acquire() {
		t.Fatal("acquire on an open file failed")
	}
	closed := make(chan error)
	go func() { closed <- f.Close() }()
	for !f.ref.closing() {
		time.Sleep(time.Millisecond)
	}
	if f.ref.acquire() {
		t.Fatal("acquire succeeded while closing")
	}
	select {
	case err := <-closed:
		t.Fatalf("Close returned %v while a reference was held", err)
	case <-time.After(50 * time.Millisecond):
	}
	if _, err := unix.FcntlInt(uintptr(f.h), unix.F_GETFD, 0); err != nil {
		t.Fatalf("descriptor closed while a reference was held: %v", err)
	}
	if f.ctx.Err() == nil {
		t.Error("Close did not end the context of the ops in flight")
	}
	f.ref.release()
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := unix.FcntlInt(uintptr(f.h), unix.F_GETFD, 0); err != syscall.EBADF {
		t.Fatalf("descriptor after Close: %v, want EBADF", err)
	}
}

// TestUnixToStat checks the fallback's copy of x/sys's struct stat against syscall's.
func TestUnixToStat(t *testing.T) {
	name := filepath.Join(t.TempDir(), "f")
	os.WriteFile(name, []byte("abc"), 0o600)
	var u unix.Stat_t
	var want, got syscall.Stat_t
	if err := unix.Stat(name, &u); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Stat(name, &want); err != nil {
		t.Fatal(err)
	}
	unixToStat(&u, &got)
	if got != want {
		t.Fatalf("unixToStat:\n%+v\nwant\n%+v", got, want)
	}
}

// TestStatPaths checks both ways a path's status is read, the cached lookup and the statx op,
// against fstatat(2).
func TestStatPaths(t *testing.T) {
	e, err := Open(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("abc"), 0o640)
	os.Symlink("file", filepath.Join(dir, "link"))
	os.Symlink("missing", filepath.Join(dir, "dangling"))
	syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o600)
	for _, name := range []string{"file", "link", "dangling", "fifo", ".", "missing", "file/", "link/"} {
		path := filepath.Join(dir, name)
		if name == "file/" || name == "link/" {
			path += "/"
		}
		for _, flags := range []int{0, unix.AT_SYMLINK_NOFOLLOW} {
			var want syscall.Stat_t
			werr := syscall.Stat(path, &want)
			if flags != 0 {
				werr = syscall.Lstat(path, &want)
			}
			var byOp syscall.Stat_t
			if err := statxOp(e, t.Context(), unix.AT_FDCWD, path, flags, &byOp); err != werr {
				t.Errorf("statx op of %s, flags %#x: %v, want %v", name, flags, err, werr)
			} else if err == nil && byOp != want {
				t.Errorf("statx op of %s, flags %#x:\n%+v\nwant\n%+v", name, flags, byOp, want)
			}
			var cached syscall.Stat_t
			ok := statCached(unix.AT_FDCWD, path, flags != 0, &cached)
			if ok != (werr == nil) {
				t.Errorf("cached lookup of %s, flags %#x: %v, fstatat says %v", name, flags, ok, werr)
			} else if ok && cached != want {
				t.Errorf("cached lookup of %s, flags %#x:\n%+v\nwant\n%+v", name, flags, cached, want)
			}
		}
	}
}
