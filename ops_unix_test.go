//go:build unix

package ovio_test

// The typed ops of the Unixes, run against every engine of the platform: what each does, and
// the ops that wait (timeouts, pipes in either mode, full pipes) as cancellable as a read.

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ovio/ovio"
	"golang.org/x/sys/unix"
)

func TestOps(t *testing.T) {
	for _, kind := range engineKinds(t) {
		t.Run(kind, func(t *testing.T) {
			for _, c := range []struct {
				name string
				f    func(t *testing.T, kind string)
			}{
				{"Files", testOpsFiles},
				{"Timeout", testOpsTimeout},
				{"NonblockingPipe", testOpsNonblockingPipe},
				{"WriteFullPipe", testOpsWriteFullPipe},
				{"OffsetOnPipe", testOpsOffsetOnPipe},
				{"CloseWithTimeouts", testOpsCloseWithTimeouts},
			} {
				t.Run(c.name, func(t *testing.T) { c.f(t, kind) })
			}
		})
	}
}

// testOpsFiles runs the file ops every Unix has.
func testOpsFiles(t *testing.T, kind string) {
	e := openEngine(t, kind, nil)
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "typed")

	fd, err := e.Do(ctx, ovio.Openat(unix.AT_FDCWD, path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o640))
	if err != nil {
		t.Fatalf("Openat: %v", err)
	}
	if flags, _ := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); flags&unix.FD_CLOEXEC == 0 {
		t.Error("Openat did not set O_CLOEXEC")
	}
	_, err = e.Do(ctx, ovio.Openat(unix.AT_FDCWD, path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o640))
	var oe *ovio.OpError
	if !errors.Is(err, fs.ErrExist) || !errors.As(err, &oe) || oe.Op != "openat" || oe.Path != path {
		t.Errorf("Openat O_EXCL of an existing file: %v, want EEXIST naming openat and the path", err)
	}
	if _, err := e.Do(ctx, ovio.Openat(unix.AT_FDCWD, "bad\x00path", os.O_RDONLY, 0)); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("Openat of a path with NUL: %v, want EINVAL", err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o640&^umask(t) {
		t.Errorf("the file Openat created: %v, %v", st, err)
	}

	if n, err := e.Do(ctx, ovio.Writev(fd, [][]byte{[]byte("hello, "), nil, []byte("world")}, 0)); n != 12 || err != nil {
		t.Fatalf("Writev: %d, %v", n, err)
	}
	a, b := make([]byte, 5), make([]byte, 10)
	if n, err := e.Do(ctx, ovio.Readv(fd, [][]byte{a, b}, 0)); n != 12 || err != nil || string(a)+string(b[:7]) != "hello, world" {
		t.Fatalf("Readv: %d, %v, %q %q", n, err, a, b)
	}
	if n, err := e.Do(ctx, ovio.Readv(fd, nil, 0)); n != 0 || err != nil {
		t.Errorf("Readv of no buffers: %d, %v", n, err)
	}
	// Write and Read use and move the file position.
	if n, err := e.Do(ctx, ovio.Write(fd, []byte("abc"))); n != 3 || err != nil {
		t.Fatalf("Write: %d, %v", n, err)
	}
	if pos, _ := unix.Seek(fd, 0, 1); pos != 3 {
		t.Errorf("file position after Write: %d, want 3", pos)
	}
	buf := make([]byte, 4)
	if n, err := e.Do(ctx, ovio.Read(fd, buf)); n != 4 || err != nil || string(buf) != "lo, " {
		t.Errorf("Read at position 3: %d, %v, %q", n, err, buf[:max(n, 0)])
	}
	if pos, _ := unix.Seek(fd, 0, 1); pos != 7 {
		t.Errorf("file position after Read: %d, want 7", pos)
	}
	for _, r := range []ovio.Request{ovio.Fsync(fd), ovio.Fdatasync(fd)} {
		if _, err := e.Do(ctx, r); err != nil {
			t.Fatalf("sync: %v", err)
		}
	}
	// The dir argument of Openat.
	dfd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(dfd)
	fd2, err := e.Do(ctx, ovio.Openat(dfd, "typed", os.O_RDONLY, 0))
	if err != nil {
		t.Fatalf("Openat relative to a directory: %v", err)
	}
	if n, err := e.Do(ctx, ovio.ReadAt(fd2, buf, 7)); n != 4 || err != nil || string(buf) != "worl" {
		t.Errorf("ReadAt of the file opened again: %d, %v, %q", n, err, buf)
	}
	if _, err := e.Do(ctx, ovio.WriteAt(fd2, buf, 0)); !errors.Is(err, syscall.EBADF) {
		t.Errorf("WriteAt to a file opened read-only: %v, want EBADF", err)
	}
	if _, err := e.Do(ctx, ovio.Openat(dfd, "missing", os.O_RDONLY, 0)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Openat of a missing file: %v", err)
	}
	for _, h := range []int{fd, fd2} {
		if _, err := e.Do(ctx, ovio.Close(h)); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
	if _, err := e.Do(ctx, ovio.Close(fd)); !errors.Is(err, syscall.EBADF) {
		t.Errorf("second Close: %v, want EBADF", err)
	}
	for _, r := range []ovio.Request{ovio.Fsync(-1), ovio.Fdatasync(-1), ovio.Readv(-1, [][]byte{a}, 0),
		ovio.Writev(-1, [][]byte{a}, 0), ovio.WriteAt(-1, a, 0), ovio.Read(-1, a), ovio.Write(-1, a), ovio.Close(-1)} {
		if _, err := e.Do(ctx, r); !errors.Is(err, syscall.EBADF) {
			t.Errorf("op on fd -1: %v, want EBADF", err)
		}
	}
}

func umask(t *testing.T) os.FileMode {
	old := syscall.Umask(0)
	syscall.Umask(old)
	return os.FileMode(old)
}

func testOpsTimeout(t *testing.T, kind string) {
	e := openEngine(t, kind, nil)
	start := time.Now()
	if n, err := e.Do(context.Background(), ovio.Timeout(20*time.Millisecond)); n != 0 || err != nil {
		t.Fatalf("Timeout: %d, %v", n, err)
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Errorf("a 20ms Timeout took %v", d)
	}
	for _, d := range []time.Duration{0, -time.Second} {
		if _, err := e.Do(context.Background(), ovio.Timeout(d)); err != nil {
			t.Errorf("Timeout(%v): %v", d, err)
		}
	}
	_, err := doBeforeDeadline(t, e, 10*time.Millisecond, ovio.Timeout(time.Hour))
	checkCanceled(t, 0, err, context.DeadlineExceeded)

	// Many at once, some cancelled: each completes once, the others on time.
	var futs []*ovio.Op
	for i := 0; i < 100; i++ {
		futs = append(futs, e.Start(context.Background(), ovio.Timeout(time.Duration(i%5)*time.Millisecond)))
	}
	long := e.Start(context.Background(), ovio.Timeout(time.Hour))
	futs[3].Cancel()
	long.Cancel()
	if _, err := long.Result(); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Timeout: %v", err)
	}
	for i, f := range futs {
		if _, err := f.Result(); err != nil && !(i == 3 && errors.Is(err, context.Canceled)) {
			t.Errorf("Timeout %d: %v", i, err)
		}
	}
}

// nonblockingPipe returns a pipe whose ends are in O_NONBLOCK mode, as os.Pipe makes them.
func nonblockingPipe(t *testing.T) (r, w int) {
	t.Helper()
	r, w = testPipe(t)
	syscall.SetNonblock(r, true)
	syscall.SetNonblock(w, true)
	return r, w
}

// testOpsNonblockingPipe reads a pipe in O_NONBLOCK mode: the read waits for data rather than
// failing with EAGAIN, and a cancel ends the wait.
func testOpsNonblockingPipe(t *testing.T, kind string) {
	e := openEngine(t, kind, nil)
	r, w := nonblockingPipe(t)
	buf := make([]byte, 8)
	f := e.Start(context.Background(), ovio.Read(r, buf))
	waitInFlight(t, e, 1)
	time.Sleep(5 * time.Millisecond)
	select {
	case <-f.Done():
		n, err := f.Result()
		t.Fatalf("a read of an empty nonblocking pipe completed: %d, %v", n, err)
	default:
	}
	syscall.Write(w, []byte("late"))
	if n, err := f.Result(); n != 4 || err != nil || string(buf[:4]) != "late" {
		t.Fatalf("read of the fed pipe: %d, %v", n, err)
	}
	n, err := doBeforeDeadline(t, e, 10*time.Millisecond, ovio.Read(r, buf))
	checkCanceled(t, n, err, context.DeadlineExceeded)
}

// testOpsWriteFullPipe writes to a full pipe: the write waits for room, a cancel ends the wait,
// and a reader that makes room lets it complete.
func testOpsWriteFullPipe(t *testing.T, kind string) {
	e := openEngine(t, kind, nil)
	for _, nonblocking := range []bool{false, true} {
		var r, w int
		if nonblocking {
			r, w = nonblockingPipe(t)
		} else {
			p := newPending(t, e)
			r, w = p.r, p.w
		}
		// Fill the pipe.
		syscall.SetNonblock(w, true)
		chunk := make([]byte, 4096)
		filled := 0
		for {
			n, err := syscall.Write(w, chunk)
			if err != nil {
				break
			}
			filled += n
		}
		syscall.SetNonblock(w, nonblocking)
		n, err := doBeforeDeadline(t, e, 10*time.Millisecond, ovio.Write(w, []byte("more")))
		checkCanceled(t, n, err, context.DeadlineExceeded)

		f := e.Start(context.Background(), ovio.Write(w, []byte("more")))
		waitInFlight(t, e, 1)
		// Drain it: the write gets room and completes, and its bytes come last.
		got := 0
		var tail []byte
		buf := make([]byte, 64<<10)
		for got < filled+4 {
			n, err := syscall.Read(r, buf)
			switch {
			case n > 0:
				got += n
				tail = append(tail, buf[:n]...)
				tail = tail[max(0, len(tail)-4):]
			case err == syscall.EAGAIN:
				time.Sleep(time.Millisecond)
			default:
				t.Fatalf("read: %d, %v", n, err)
			}
		}
		if string(tail) != "more" {
			t.Errorf("the pipe ends with %q, want the write's bytes", tail)
		}
		if n, err := f.Result(); n != 4 || err != nil {
			t.Fatalf("write to a pipe made room for (nonblocking %v): %d, %v", nonblocking, n, err)
		}
	}
}

// testOpsOffsetOnPipe gives a pipe an offset: it has none, and the engines read and write it at
// its current position, as io_uring does.
func testOpsOffsetOnPipe(t *testing.T, kind string) {
	e := openEngine(t, kind, nil)
	p := newPending(t, e)
	ctx := context.Background()
	if n, err := e.Do(ctx, ovio.WriteAt(p.w, []byte("abc"), 100)); n != 3 || err != nil {
		t.Fatalf("WriteAt on a pipe: %d, %v", n, err)
	}
	if n, err := e.Do(ctx, ovio.Writev(p.w, [][]byte{[]byte("de")}, 7)); n != 2 || err != nil {
		t.Fatalf("Writev on a pipe: %d, %v", n, err)
	}
	buf := make([]byte, 2)
	if n, err := e.Do(ctx, ovio.ReadAt(p.r, buf, 5)); n != 2 || err != nil || string(buf) != "ab" {
		t.Fatalf("ReadAt on a pipe: %d, %v, %q", n, err, buf)
	}
	b1, b2 := make([]byte, 1), make([]byte, 5)
	n, err := e.Do(ctx, ovio.Readv(p.r, [][]byte{b1, b2}, 9))
	if n < 1 || err != nil || string(b1)+string(b2[:n-1]) != "cde"[:n] {
		t.Fatalf("Readv on a pipe: %d, %v, %q %q", n, err, b1, b2)
	}
	if left := 3 - n; left > 0 { // what Readv left: there, so the read does not wait
		if m, err := e.Do(ctx, ovio.ReadAt(p.r, make([]byte, left), 0)); m != left || err != nil {
			t.Fatalf("ReadAt of what Readv left: %d, %v", m, err)
		}
	}
	// And such a read waits, cancellably, like Read.
	n, err = doBeforeDeadline(t, e, 10*time.Millisecond, ovio.ReadAt(p.r, make([]byte, 64), 0))
	checkCanceled(t, n, err, context.DeadlineExceeded)
}

// testOpsCloseWithTimeouts closes an engine with timeouts pending: they end with ErrClosed.
func testOpsCloseWithTimeouts(t *testing.T, kind string) {
	e, err := ovio.Open(configFor(kind))
	if err != nil {
		t.Fatal(err)
	}
	var futs []*ovio.Op
	for i := 0; i < 10; i++ {
		futs = append(futs, e.Start(context.Background(), ovio.Timeout(time.Hour)))
	}
	waitInFlight(t, e, 10)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	for _, f := range futs {
		n, err := f.Result()
		checkCanceled(t, n, err, ovio.ErrClosed)
	}
}
