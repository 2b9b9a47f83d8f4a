package ovio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/windows"
)

// Every test here runs under Wine 8 in CI (see WINDOWS.md): each bounds its waits, checks that the
// engine it opened ends with nothing in flight and no packet ignored, and that its goroutines are
// gone.

// testEngine opens an IOCP engine that the test's cleanup closes, checking then that no op is in
// flight, that the engine ignored wantIgnored packets (none unless the test changes it) and that
// the goroutines are back to what they were.
func testEngine(t *testing.T) (*Engine, *int) {
	t.Helper()
	base := runtime.NumGoroutine()
	e, err := Open(&Config{Kind: "iocp"})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if k := e.Kind(); k != "iocp" {
		t.Fatalf("Kind() = %q, want iocp", k)
	}
	wantIgnored := new(int)
	t.Cleanup(func() {
		closed := make(chan error, 1)
		go func() { closed <- e.Close() }()
		select {
		case err := <-closed:
			if err != nil {
				t.Errorf("Close: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("Close did not return in 20s; stats %+v", e.Stats())
		}
		st := e.Stats()
		if st.InFlight != 0 {
			t.Errorf("after Close: %d ops in flight", st.InFlight)
		}
		if st.Ignored != uint64(*wantIgnored) {
			t.Errorf("the engine ignored %d packets, want %d", st.Ignored, *wantIgnored)
		}
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > base {
			t.Errorf("%d goroutines after the test, %d before", n, base)
		}
	})
	return e, wantIgnored
}

// timeout is the bound on every single wait of these tests.
const timeout = 10 * time.Second

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	return ctx
}

// wait waits for f with the test's bound.
func wait(t *testing.T, f *Op) (int, error) {
	t.Helper()
	select {
	case <-f.Done():
		return f.Result()
	case <-time.After(timeout):
		t.Fatalf("op not complete after %v", timeout)
		return 0, nil
	}
}

// notDone checks that f is still in flight after d.
func notDone(t *testing.T, f *Op, d time.Duration) {
	t.Helper()
	select {
	case <-f.Done():
		n, err := f.Result()
		t.Fatalf("op completed early: %d, %v", n, err)
	case <-time.After(d):
	}
}

var pipeSeq atomic.Int64

// pipePair returns the server and client ends of a new named pipe, both overlapped.
func pipePair(t *testing.T, message bool) (srv, cli Handle) {
	t.Helper()
	name := fmt.Sprintf(`\\.\pipe\ovio-test-%d-%d`, os.Getpid(), pipeSeq.Add(1))
	srv = createPipe(t, name, message)
	cli = dialPipe(t, name)
	return srv, cli
}

func createPipe(t *testing.T, name string, message bool) Handle {
	t.Helper()
	p, _ := windows.UTF16PtrFromString(name)
	mode := uint32(windows.PIPE_TYPE_BYTE | windows.PIPE_READMODE_BYTE)
	if message {
		mode = windows.PIPE_TYPE_MESSAGE | windows.PIPE_READMODE_MESSAGE
	}
	h, err := windows.CreateNamedPipe(p, windows.PIPE_ACCESS_DUPLEX|windows.FILE_FLAG_OVERLAPPED, mode, 1, 4096, 4096, 0, nil)
	if err != nil {
		t.Fatalf("CreateNamedPipe: %v", err)
	}
	t.Cleanup(func() { windows.CloseHandle(h) })
	return h
}

func dialPipe(t *testing.T, name string) Handle {
	t.Helper()
	p, _ := windows.UTF16PtrFromString(name)
	h, err := windows.CreateFile(p, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil, windows.OPEN_EXISTING, windows.FILE_FLAG_OVERLAPPED, 0)
	if err != nil {
		t.Fatalf("open the client end of %s: %v", name, err)
	}
	t.Cleanup(func() { windows.CloseHandle(h) })
	return h
}

// openFile opens path for overlapped reading and writing, creating it if needed.
func openFile(t *testing.T, path string) Handle {
	t.Helper()
	p, _ := windows.UTF16PtrFromString(path)
	h, err := windows.CreateFile(p, windows.GENERIC_READ|windows.GENERIC_WRITE,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, nil,
		windows.OPEN_ALWAYS, windows.FILE_FLAG_OVERLAPPED, 0)
	if err != nil {
		t.Fatalf("CreateFile %s: %v", path, err)
	}
	t.Cleanup(func() { windows.CloseHandle(h) })
	return h
}

// syncWrite writes p to h outside the engine, with an event of its own, and waits for it.
func syncWrite(t *testing.T, h Handle, p []byte) {
	t.Helper()
	ev, err := windows.CreateEvent(nil, 1, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer windows.CloseHandle(ev)
	// Setting the low bit of hEvent keeps the completion off the handle's port.
	ov := &windows.Overlapped{HEvent: ev | 1}
	var n uint32
	err = windows.WriteFile(h, p, &n, ov)
	if err == windows.ERROR_IO_PENDING {
		err = windows.GetOverlappedResult(h, ov, &n, true)
	}
	if err != nil || int(n) != len(p) {
		t.Fatalf("write outside the engine: %d, %v", n, err)
	}
}

// checkOpError checks that err is an *OpError for op that matches each of targets.
func checkOpError(t *testing.T, err error, op string, targets ...error) {
	t.Helper()
	var oe *OpError
	if !errors.As(err, &oe) {
		t.Fatalf("error %v (%T) is not an *OpError", err, err)
	}
	if oe.Op != op {
		t.Errorf("OpError.Op = %q, want %q (%v)", oe.Op, op, err)
	}
	for _, target := range targets {
		if !errors.Is(err, target) {
			t.Errorf("error %q does not match %v", err, target)
		}
	}
}

func TestIOCPKinds(t *testing.T) {
	d, err := Default() // first, so that its goroutine is in the baseline: it is never closed
	if err != nil || d.Kind() != "iocp" {
		t.Fatalf("Default() = %v, %v", d, err)
	}
	e, _ := testEngine(t)
	if e.Kind() != "iocp" {
		t.Errorf("Kind() = %q", e.Kind())
	}
	if _, err := Open(&Config{Kind: "io_uring"}); !errors.Is(err, ErrNotSupported) {
		t.Errorf("Open(io_uring) = %v, want ErrNotSupported", err)
	}
	if _, err := Open(&Config{Kind: "kqueue"}); err == nil {
		t.Error("Open(kqueue) did not fail")
	}
	if d.Close() == nil {
		t.Error("the default engine closed")
	}
	if n, err := d.Do(testCtx(t), Nop()); n != 0 || err != nil {
		t.Errorf("Nop on the default engine: %d, %v", n, err)
	}
}

func TestIOCPNop(t *testing.T) {
	e, _ := testEngine(t)
	ctx := testCtx(t)
	for range 100 {
		if n, err := e.Do(ctx, Nop()); n != 0 || err != nil {
			t.Fatalf("Nop: %d, %v", n, err)
		}
	}
	reqs := make([]Request, 300) // more than a chunk of the op table: the table grows meanwhile
	for i := range reqs {
		reqs[i] = Nop()
	}
	res := make([]Result, len(reqs))
	if err := e.DoBatch(ctx, reqs, res); err != nil {
		t.Fatalf("DoBatch: %v", err)
	}
	for _, f := range e.StartBatch(ctx, reqs) {
		if _, err := wait(t, f); err != nil {
			t.Fatalf("StartBatch: %v", err)
		}
	}
}

// TestIOCPPipeReadPends: a read of an empty pipe pends until a write completes it.
func TestIOCPPipeReadPends(t *testing.T) {
	e, _ := testEngine(t)
	ctx := testCtx(t)
	srv, cli := pipePair(t, false)
	buf := make([]byte, 64)
	f := e.Start(ctx, ReadAt(srv, buf, 0))
	notDone(t, f, 100*time.Millisecond)
	if e.Stats().InFlight != 1 {
		t.Errorf("InFlight = %d during the read", e.Stats().InFlight)
	}
	msg := []byte("hello, overlapped world")
	if n, err := e.Do(ctx, WriteAt(cli, msg, 0)); n != len(msg) || err != nil {
		t.Fatalf("WriteAt: %d, %v", n, err)
	}
	n, err := wait(t, f)
	if err != nil || !bytes.Equal(buf[:n], msg) {
		t.Fatalf("read %q, %v; want %q", buf[:n], err, msg)
	}
}

// readCancelled starts a read of an empty pipe and ends it as end says; it returns the op's error.
func readCancelled(t *testing.T, e *Engine, ctx context.Context, end func(f *Op)) error {
	t.Helper()
	srv, _ := pipePair(t, false)
	f := e.Start(ctx, ReadAt(srv, make([]byte, 16), 0))
	notDone(t, f, 50*time.Millisecond)
	start := time.Now()
	end(f)
	n, err := wait(t, f)
	if n != 0 || err == nil {
		t.Fatalf("cancelled read: %d, %v", n, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the cancel took %v", d)
	}
	return err
}

func TestIOCPPipeReadCancelledByContext(t *testing.T) {
	e, _ := testEngine(t)
	ctx, cancel := context.WithCancel(testCtx(t))
	err := readCancelled(t, e, ctx, func(*Op) { cancel() })
	checkOpError(t, err, "ReadFile", context.Canceled, windows.ERROR_OPERATION_ABORTED)
	if !errors.As(err, new(windows.Errno)) {
		t.Errorf("%v does not wrap a windows.Errno", err)
	}

	// The same through Do, whose waiter cancels.
	srv, _ := pipePair(t, false)
	ctx, cancel = context.WithCancel(testCtx(t))
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err = e.Do(ctx, ReadAt(srv, make([]byte, 16), 0))
	checkOpError(t, err, "ReadFile", context.Canceled, windows.ERROR_OPERATION_ABORTED)

	// And by Op.Cancel.
	err = readCancelled(t, e, testCtx(t), (*Op).Cancel)
	checkOpError(t, err, "ReadFile", context.Canceled, windows.ERROR_OPERATION_ABORTED)

	// A context already done: never started.
	done, cancel := context.WithCancel(context.Background())
	cancel()
	srv, _ = pipePair(t, false)
	_, err = e.Do(done, ReadAt(srv, make([]byte, 16), 0))
	checkOpError(t, err, "ReadFile", context.Canceled)
	if errors.Is(err, windows.ERROR_OPERATION_ABORTED) {
		t.Errorf("an op never started reports ERROR_OPERATION_ABORTED: %v", err)
	}
}

func TestIOCPPipeReadDeadline(t *testing.T) {
	e, _ := testEngine(t)
	srv, _ := pipePair(t, false)
	ctx, cancel := context.WithTimeout(testCtx(t), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := e.Do(ctx, ReadAt(srv, make([]byte, 16), 0))
	checkOpError(t, err, "ReadFile", context.DeadlineExceeded, windows.ERROR_OPERATION_ABORTED)
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("returned after %v, before the deadline", d)
	}
	var oe *OpError
	if errors.As(err, &oe) && !oe.Timeout() {
		t.Errorf("Timeout() is false for %v", err)
	}
}

func TestIOCPPipeReadCancelledByClose(t *testing.T) {
	e, _ := testEngine(t)
	ctx := testCtx(t)
	var fs []*Op
	for range 3 {
		srv, _ := pipePair(t, false)
		fs = append(fs, e.Start(ctx, ReadAt(srv, make([]byte, 16), 0)))
	}
	notDone(t, fs[0], 50*time.Millisecond)
	if err := e.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for _, f := range fs {
		select {
		case <-f.Done():
		default:
			t.Fatal("Close returned before an op it cancelled completed")
		}
		_, err := f.Result()
		checkOpError(t, err, "ReadFile", ErrClosed, windows.ERROR_OPERATION_ABORTED)
	}
	srv, _ := pipePair(t, false)
	_, err := e.Do(ctx, ReadAt(srv, make([]byte, 16), 0))
	checkOpError(t, err, "ReadFile", ErrClosed)
	if err := e.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
