package ovio_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ovio/ovio"
	"github.com/ovio/ovio/internal/uring"
	"golang.org/x/sys/unix"
)

func TestUringTypedOps(t *testing.T) {
	e := openEngine(t, "io_uring", nil)
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
	if _, err := e.Do(ctx, ovio.Openat(unix.AT_FDCWD, path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o640)); !errors.Is(err, fs.ErrExist) {
		t.Errorf("Openat O_EXCL of an existing file: %v, want EEXIST", err)
	}

	if n, err := e.Do(ctx, ovio.Writev(fd, [][]byte{[]byte("hello, "), nil, []byte("world")}, 0)); n != 12 || err != nil {
		t.Fatalf("Writev: %d, %v", n, err)
	}
	a, b := make([]byte, 5), make([]byte, 10)
	if n, err := e.Do(ctx, ovio.Readv(fd, [][]byte{a, b}, 0)); n != 12 || err != nil || string(a)+string(b[:7]) != "hello, world" {
		t.Fatalf("Readv: %d, %v, %q %q", n, err, a, b)
	}
	// Write and Read use the file position.
	if n, err := e.Do(ctx, ovio.Write(fd, []byte("abc"))); n != 3 || err != nil {
		t.Fatalf("Write: %d, %v", n, err)
	}
	if pos, _ := unix.Seek(fd, 0, 1); pos != 3 {
		t.Errorf("file position after Write: %d, want 3", pos)
	}
	for _, r := range []ovio.Request{ovio.Fsync(fd), ovio.Fdatasync(fd)} {
		if _, err := e.Do(ctx, r); err != nil {
			t.Fatalf("sync: %v", err)
		}
	}
	if _, err := e.Do(ctx, ovio.Fallocate(fd, 0, 0, 1<<20)); err != nil {
		t.Fatalf("Fallocate: %v", err)
	}
	var st unix.Statx_t
	if _, err := e.Do(ctx, ovio.Statx(unix.AT_FDCWD, path, 0, unix.STATX_SIZE|unix.STATX_MODE, &st)); err != nil {
		t.Fatalf("Statx: %v", err)
	}
	if st.Size != 1<<20 || st.Mode&0o777 != 0o640 {
		t.Errorf("Statx: size %d mode %o, want %d and 640", st.Size, st.Mode&0o777, 1<<20)
	}
	if _, err := e.Do(ctx, ovio.Statx(unix.AT_FDCWD, filepath.Join(dir, "missing"), 0, unix.STATX_SIZE, &st)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Statx of a missing file: %v", err)
	} else if oe := err.(*ovio.OpError); oe.Op != "statx" || oe.Path != filepath.Join(dir, "missing") {
		t.Errorf("Statx error names %q %q", oe.Op, oe.Path)
	}
	if _, err := e.Do(ctx, ovio.Statx(unix.AT_FDCWD, "bad\x00path", 0, 0, &st)); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("Statx of a path with NUL: %v, want EINVAL", err)
	}
	if _, err := e.Do(ctx, ovio.Statx(unix.AT_FDCWD, path, 0, 0, nil)); !errors.Is(err, fs.ErrInvalid) {
		t.Errorf("Statx into nil: %v, want an argument error", err)
	}
	if _, err := e.Do(ctx, ovio.Fallocate(fd, 0, 0, -1)); !errors.Is(err, fs.ErrInvalid) {
		t.Errorf("Fallocate of a negative length: %v", err)
	}
	if _, err := e.Do(ctx, ovio.Close(fd)); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := e.Do(ctx, ovio.Close(fd)); !errors.Is(err, syscall.EBADF) {
		t.Errorf("second Close: %v, want EBADF", err)
	}
	for _, r := range []ovio.Request{ovio.Fsync(-1), ovio.Readv(-1, [][]byte{a}, 0), ovio.WriteAt(-1, a, 0), ovio.Fallocate(-1, 0, 0, 1)} {
		if _, err := e.Do(ctx, r); !errors.Is(err, syscall.EBADF) {
			t.Errorf("op on fd -1: %v, want EBADF", err)
		}
	}
}

func TestUringTimeout(t *testing.T) {
	e := openEngine(t, "io_uring", nil)
	start := time.Now()
	if _, err := e.Do(context.Background(), ovio.Timeout(20*time.Millisecond)); err != nil {
		t.Fatalf("Timeout: %v", err)
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Errorf("a 20ms Timeout took %v", d)
	}
	_, err := doBeforeDeadline(t, e, 10*time.Millisecond, ovio.Timeout(time.Hour))
	checkCanceled(t, 0, err, context.DeadlineExceeded)
}

// TestUringPrep awaits raw SQEs: the io_uring counterpart of awaiting any OVERLAPPED call.
func TestUringPrep(t *testing.T) {
	e := openEngine(t, "io_uring", nil)
	ctx := context.Background()
	if n, err := e.Do(ctx, ovio.Prep((*ovio.SQE).PrepNop)); n != 0 || err != nil {
		t.Fatalf("NOP through Prep: %d, %v", n, err)
	}
	f, err := os.CreateTemp(t.TempDir(), "prep")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString("prepared")
	buf := make([]byte, 16)
	n, err := e.Do(ctx, ovio.Prep(func(sqe *ovio.SQE) { sqe.PrepRead(int32(f.Fd()), buf, 0) }, buf))
	if n != 8 || err != nil || string(buf[:n]) != "prepared" {
		t.Fatalf("READ through Prep: %d, %v, %q", n, err, buf[:n])
	}
	// The op's name in errors comes from the opcode.
	_, err = e.Do(ctx, ovio.Prep(func(sqe *ovio.SQE) { sqe.PrepRead(-1, buf, 0) }, buf))
	var oe *ovio.OpError
	if !errors.As(err, &oe) || oe.Op != "read" || !errors.Is(err, syscall.EBADF) {
		t.Errorf("READ of fd -1 through Prep: %v", err)
	}
	// ovio owns linking and CQE skipping.
	for _, flag := range []uint8{uring.SQEIOLink, uring.SQEIOHardlink, uring.SQECQESkipSuccess} {
		_, err := e.Do(ctx, ovio.Prep(func(sqe *ovio.SQE) { sqe.PrepNop(); sqe.Flags = flag }))
		if !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("SQE flag %#x: %v, want an argument error", flag, err)
		}
	}
	// An opcode the kernel lacks.
	_, err = e.Do(ctx, ovio.Prep(func(sqe *ovio.SQE) { sqe.Opcode = 250 }))
	if !errors.Is(err, ovio.ErrNotSupported) {
		t.Errorf("opcode 250: %v, want ErrNotSupported", err)
	}
	if _, err := e.Do(ctx, ovio.Prep(nil)); !errors.Is(err, fs.ErrInvalid) {
		t.Errorf("nil prep: %v", err)
	}
	if _, err := e.Do(ctx, ovio.Prep((*ovio.SQE).PrepNop, 42)); !errors.Is(err, fs.ErrInvalid) {
		t.Errorf("keep of an int: %v", err)
	}
	// A panicking prep function panics in the caller and leaves nothing in flight.
	func() {
		defer func() {
			if recover() != "boom" {
				t.Error("the prep function's panic was not raised again")
			}
		}()
		e.Do(ctx, ovio.Prep(func(*ovio.SQE) { panic("boom") }))
	}()
	if s := e.Stats(); s.InFlight != 0 {
		t.Errorf("%d ops in flight after a panicking prep", s.InFlight)
	}
}

// TestUringMultishotCompletion sends with IORING_OP_SEND_ZC, which posts two completions: the
// result, with IORING_CQE_F_MORE, then a notification when the kernel is done with the buffer.
// The op must complete with the second, and report the first's result.
func TestUringMultishotCompletion(t *testing.T) {
	e := openEngine(t, "io_uring", nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	raw, _ := client.(*net.TCPConn).SyscallConn()
	msg := bytes.Repeat([]byte("zero-copy "), 100)
	var n int
	raw.Control(func(fd uintptr) {
		n, err = e.Do(context.Background(), ovio.Prep(func(sqe *ovio.SQE) {
			sqe.PrepWrite(int32(fd), msg, 0)
			sqe.Opcode = uring.OpSendZC
		}, msg))
	})
	if errors.Is(err, ovio.ErrNotSupported) {
		t.Skip("kernel lacks IORING_OP_SEND_ZC (Linux 6.0)")
	}
	if err != nil || n != len(msg) {
		t.Fatalf("SEND_ZC: %d, %v", n, err)
	}
	got := make([]byte, len(msg))
	server.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := server.Read(got); err != nil {
		t.Fatal(err)
	}
}

// TestUringBackPressure floods a two-entry submission queue: ops wait for room, none fails.
func TestUringBackPressure(t *testing.T) {
	e := openEngine(t, "io_uring", &ovio.Config{Entries: 2})
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reqs := make([]ovio.Request, 50)
			for i := range reqs {
				reqs[i] = ovio.Nop()
			}
			results := make([]ovio.Result, len(reqs))
			for i := 0; i < 20; i++ {
				if err := e.DoBatch(ctx, reqs, results); err != nil {
					t.Error(err)
					return
				}
				if _, err := e.Do(ctx, ovio.Nop()); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestDefaultEngine(t *testing.T) {
	e, err := ovio.Default()
	if err != nil {
		t.Fatal(err)
	}
	if e2, _ := ovio.Default(); e2 != e {
		t.Error("Default returned two engines")
	}
	want := os.Getenv(ovio.EnvEngine) // CI runs the tests once more with OVIO_ENGINE=blocking
	if want == "" {
		want = "io_uring"
	}
	if e.Kind() != want {
		t.Errorf("the default engine here is %q, want %q (fallback: %v)", e.Kind(), want, e.Fallback())
	}
	if err := e.Close(); err == nil {
		t.Error("Close of the default engine succeeded")
	}
	if _, err := e.Do(context.Background(), ovio.Nop()); err != nil {
		t.Errorf("the default engine after a refused Close: %v", err)
	}
}

func TestOpenBadConfig(t *testing.T) {
	for _, c := range []ovio.Config{{Entries: -1}, {MaxInFlight: -5}, {Kind: "nonsense"}} {
		if e, err := ovio.Open(&c); err == nil {
			e.Close()
			t.Errorf("Open(%+v) succeeded", c)
		}
	}
}

// TestOpenSelection checks how Open picks the engine: Config.Kind, else OVIO_ENGINE, else
// io_uring (this machine has it); and the errors for names that are no engine here.
func TestOpenSelection(t *testing.T) {
	open := func(kind string) (*ovio.Engine, error) {
		e, err := ovio.Open(&ovio.Config{Kind: kind})
		if err == nil {
			t.Cleanup(func() { e.Close() })
		}
		return e, err
	}
	t.Setenv(ovio.EnvEngine, "")
	e, err := open("")
	if err != nil || e.Kind() != "io_uring" || e.Fallback() != nil {
		t.Fatalf("Open: %v; want io_uring and no fallback", err)
	}
	e, err = open("blocking")
	var ee *ovio.EngineError
	if err != nil || e.Kind() != "blocking" || !errors.As(e.Fallback(), &ee) || ee.Reason != ovio.ReasonAsked || ee.Detail != "Config.Kind=blocking" {
		t.Fatalf("Open(blocking): %v, %v; want blocking, asked for by Config.Kind", err, e.Fallback())
	}

	t.Setenv(ovio.EnvEngine, "blocking")
	if e, err = open(""); err != nil || e.Kind() != "blocking" || !errors.As(e.Fallback(), &ee) || ee.Detail != "OVIO_ENGINE=blocking" {
		t.Fatalf("OVIO_ENGINE=blocking: %v, %v", err, e.Fallback())
	}
	if e, err = open("io_uring"); err != nil || e.Kind() != "io_uring" {
		t.Fatalf("Config.Kind does not win over OVIO_ENGINE: %v", err)
	}
	t.Setenv(ovio.EnvEngine, "io_uring")
	if e, err = open(""); err != nil || e.Kind() != "io_uring" || e.Fallback() != nil {
		t.Fatalf("OVIO_ENGINE=io_uring: %v, %v", err, e.Fallback())
	}

	t.Setenv(ovio.EnvEngine, "uring")
	if _, err := open(""); !errors.Is(err, fs.ErrInvalid) || !strings.Contains(err.Error(), "OVIO_ENGINE") ||
		!strings.Contains(err.Error(), "io_uring, blocking") {
		t.Errorf("OVIO_ENGINE=uring: %v; want an error naming OVIO_ENGINE and the engines", err)
	}
	t.Setenv(ovio.EnvEngine, "")
	if _, err := open("iocp"); !errors.Is(err, ovio.ErrNotSupported) || !strings.Contains(err.Error(), "io_uring, blocking") {
		t.Errorf("Config.Kind iocp on Linux: %v; want ErrNotSupported, with the engines", err)
	}
	if _, err := ovio.Open(&ovio.Config{Workers: -1}); !errors.Is(err, fs.ErrInvalid) {
		t.Errorf("negative Workers: %v", err)
	}
}

// TestUringNowait reads through the non-blocking first attempt: answered from the page cache,
// sent to the ring when nothing is cached, and split between the two when half of it is.
func TestUringNowait(t *testing.T) {
	e := openEngine(t, "io_uring", nil)
	ctx := context.Background()
	f, err := os.CreateTemp(t.TempDir(), "nowait")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const size = 1 << 20
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i * 31)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil { // clean pages can be dropped from the cache
		t.Fatal(err)
	}
	fd := int(f.Fd())
	check := func(what string, off, n int) {
		t.Helper()
		buf := make([]byte, n)
		got, err := e.Do(ctx, ovio.ReadAtNowait(fd, buf, int64(off)))
		want := max(0, min(n, size-off))
		if err != nil || got != want || (got > 0 && !bytes.Equal(buf[:got], data[off:off+got])) {
			t.Fatalf("%s: read %d at %d: %d, %v; want %d bytes", what, n, off, got, err, want)
		}
	}
	check("cached", 4096, 8192)
	unix.Fadvise(fd, 0, size, unix.FADV_DONTNEED)
	check("not cached", 65536, 4096)
	// Cache the first half of a range, drop the second, and read across both.
	unix.Fadvise(fd, 0, size, unix.FADV_DONTNEED)
	f.ReadAt(make([]byte, 64<<10), 256<<10)
	unix.Fadvise(fd, 320<<10, 64<<10, unix.FADV_DONTNEED)
	check("half cached", 256<<10, 128<<10)
	check("at the end", size-100, 4096)
	check("past the end", size+10, 10)

	msg := []byte("written without the ring")
	if n, err := e.Do(ctx, ovio.WriteAtNowait(fd, msg, 10)); n != len(msg) || err != nil {
		t.Fatalf("WriteAtNowait: %d, %v", n, err)
	}
	copy(data[10:], msg)
	check("after the write", 0, 64)

	if _, err := e.Do(ctx, ovio.ReadAtNowait(-1, make([]byte, 4), 0)); !errors.Is(err, syscall.EBADF) {
		t.Errorf("ReadAtNowait of fd -1: %v, want EBADF", err)
	} else if oe := err.(*ovio.OpError); oe.Op != "read" {
		t.Errorf("ReadAtNowait error names %q", oe.Op)
	}
	if _, err := e.Do(ctx, ovio.ReadAtNowait(fd, make([]byte, 4), -4)); !errors.Is(err, fs.ErrInvalid) {
		t.Errorf("ReadAtNowait at a negative offset: %v", err)
	}
	buf := make([]byte, 4096)
	if allocs := testing.AllocsPerRun(100, func() { e.Do(ctx, ovio.ReadAtNowait(fd, buf, 0)) }); allocs != 0 {
		t.Errorf("a cached ReadAt allocates %v times", allocs)
	}
}
