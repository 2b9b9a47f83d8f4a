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
