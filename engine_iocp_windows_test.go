package ovio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ovio/ovio/internal/iocp"
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
	ov := heapOverlapped(ev | 1)
	var n uint32
	err = windows.WriteFile(h, p, &n, ov)
	if err == windows.ERROR_IO_PENDING {
		err = windows.GetOverlappedResult(h, ov, &n, true)
	}
	if err != nil || int(n) != len(p) {
		t.Fatalf("write outside the engine: %d, %v", n, err)
	}
}

// heapOverlapped returns an OVERLAPPED on the heap. One that the compiler leaves on the goroutine
// stack moves when the stack grows, while the kernel may still write to its old place: a test
// that awaits a call outside the engine must not use one (the engine's live in its op table).
func heapOverlapped(ev windows.Handle) *windows.Overlapped {
	ov := &windows.Overlapped{HEvent: ev}
	overlappedSink.Store(ov) // escapes: the compiler must allocate it on the heap
	return ov
}

var overlappedSink atomic.Pointer[windows.Overlapped]

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

// TestIOCPSyncSuccessSkipMode: a read of data already in the pipe succeeds at once; with the skip
// mode on it completes inline, and no second completion follows.
func TestIOCPSyncSuccessSkipMode(t *testing.T) {
	e, _ := testEngine(t)
	ctx := testCtx(t)
	srv, cli := pipePair(t, false)
	if err := e.Bind(srv); err != nil {
		t.Fatalf("Bind: %v", err)
	}
	if !handleEntryOf(srv).skip {
		t.Fatal("FILE_SKIP_COMPLETION_PORT_ON_SUCCESS did not take on a named pipe")
	}
	for i := range 50 {
		msg := []byte(fmt.Sprint("message ", i))
		syncWrite(t, cli, msg)
		buf := make([]byte, 64)
		f := e.Start(ctx, ReadAt(srv, buf, 0))
		select {
		case <-f.Done():
		default:
			t.Fatal("a read of data already in the pipe did not complete inline")
		}
		if n, err := f.Result(); err != nil || !bytes.Equal(buf[:n], msg) {
			t.Fatalf("read %q, %v; want %q", buf[:n], err, msg)
		}
	}
	// A packet the system queued for those reads would come before this Nop's, and be counted as
	// ignored (the cleanup wants none).
	if _, err := e.Do(ctx, Nop()); err != nil {
		t.Fatal(err)
	}
	if d := e.drv.(*iocpDriver); d.lateFences.Load() != 0 {
		t.Errorf("%d fences found their op completed", d.lateFences.Load())
	}
}

// TestIOCPSyncSuccessWithoutSkipMode: on a handle without the skip mode, the system queues a packet
// for a call that succeeds at once. It completes the op, whether it comes while the starting
// goroutine is still reading the call's outcome or after the engine's fence was posted (which is
// then dropped); never twice. Futures release their op from the completion goroutine, so a late
// starting goroutine would see its op reused: many goroutines at once make that likely.
func TestIOCPSyncSuccessWithoutSkipMode(t *testing.T) {
	e, _ := testEngine(t)
	ctx := testCtx(t)
	d := e.drv.(*iocpDriver)
	const workers, rounds = 16, 100
	errc := make(chan error, workers)
	for range workers {
		srv, cli := pipePair(t, false)
		// Bind as the engine would, but leave the skip mode off, as where it cannot be set.
		if _, err := windows.CreateIoCompletionPort(srv, d.port, keyIO, 0); err != nil {
			t.Fatal(err)
		}
		ent := handleEntryOf(srv)
		ent.mu.Lock()
		ent.owner, ent.skip = d.id, false
		ent.mu.Unlock()
		go func() {
			errc <- func() error {
				for i := range rounds {
					msg := []byte(fmt.Sprint("round ", i))
					syncWrite(t, cli, msg)
					buf := make([]byte, 64)
					f := e.Start(ctx, ReadAt(srv, buf, 0))
					e.Start(ctx, Nop()) // reuses ops released meanwhile
					n, err := f.Wait(ctx)
					if err != nil || !bytes.Equal(buf[:n], msg) {
						return fmt.Errorf("read %q, %v; want %q", buf[:n], err, msg)
					}
				}
				return nil
			}()
		}()
	}
	for range workers {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.Do(ctx, Nop()); err != nil {
		t.Fatal(err)
	}
	late, early := d.lateFences.Load(), d.earlyPackets.Load()
	if late+early != workers*rounds {
		t.Errorf("%d fences dropped and %d packets during the call, want %d in all", late, early, workers*rounds)
	}
	t.Logf("the system's packet came during the call %d times, after the fence was posted %d times", early, late)
}

// TestIOCPMoreData: a message longer than the buffer gives ERROR_MORE_DATA with the bytes that
// fit, at once or through the packet. Windows queues a packet for the synchronous warning even in
// skip mode, Wine 8 does not; the fence makes both complete the op once.
func TestIOCPMoreData(t *testing.T) {
	e, _ := testEngine(t)
	ctx := testCtx(t)
	d := e.drv.(*iocpDriver)
	srv, cli := pipePair(t, true)
	small, rest := make([]byte, 4), make([]byte, 64)

	syncWrite(t, cli, []byte("0123456789"))
	n, err := e.Do(ctx, ReadAt(srv, small, 0))
	checkOpError(t, err, "ReadFile", windows.ERROR_MORE_DATA)
	if n != 4 || string(small) != "0123" {
		t.Errorf("synchronous ERROR_MORE_DATA: %d bytes %q", n, small[:n])
	}
	if n, err := e.Do(ctx, ReadAt(srv, rest, 0)); err != nil || string(rest[:n]) != "456789" {
		t.Errorf("rest of the message: %q, %v", rest[:n], err)
	}
	if _, err := e.Do(ctx, Nop()); err != nil {
		t.Fatal(err)
	}
	if d.lateFences.Load() == 0 {
		t.Log("no packet for the synchronous warning (Wine's behaviour): the fence completed the op")
	} else {
		t.Log("a packet for the synchronous warning (Windows' behaviour) completed the op before the fence")
	}

	f := e.Start(ctx, ReadAt(srv, small, 0))
	notDone(t, f, 50*time.Millisecond)
	syncWrite(t, cli, []byte("abcdefghij"))
	n, err = wait(t, f)
	checkOpError(t, err, "ReadFile", windows.ERROR_MORE_DATA)
	if n != 4 || string(small) != "abcd" {
		t.Errorf("pending ERROR_MORE_DATA: %d bytes %q", n, small[:n])
	}
	if n, err := e.Do(ctx, ReadAt(srv, rest, 0)); err != nil || string(rest[:n]) != "efghij" {
		t.Errorf("rest of the message: %q, %v", rest[:n], err)
	}
}

func TestIOCPFileReadWriteAt(t *testing.T) {
	e, _ := testEngine(t)
	ctx := testCtx(t)
	h := openFile(t, filepath.Join(t.TempDir(), "data"))
	if n, err := e.Do(ctx, WriteAt(h, []byte("world"), 1<<20)); n != 5 || err != nil {
		t.Fatalf("WriteAt: %d, %v", n, err)
	}
	if n, err := e.Do(ctx, WriteAt(h, []byte("hello"), 0)); n != 5 || err != nil {
		t.Fatalf("WriteAt: %d, %v", n, err)
	}
	reqs := []Request{ReadAt(h, make([]byte, 5), 0), ReadAt(h, make([]byte, 10), 1<<20), ReadAt(h, make([]byte, 5), 2<<20)}
	res := make([]Result, len(reqs))
	if err := e.DoBatch(ctx, reqs, res); err != nil {
		t.Fatalf("DoBatch: %v", err)
	}
	if res[0].N != 5 || string(reqs[0].buf) != "hello" || res[1].N != 5 || string(reqs[1].buf[:5]) != "world" {
		t.Errorf("read back %q (%d) and %q (%d)", reqs[0].buf, res[0].N, reqs[1].buf, res[1].N)
	}
	if res[2].N != 0 || res[2].Err != nil {
		t.Errorf("read past the end: %d, %v; want 0 and no error, as on Unix", res[2].N, res[2].Err)
	}
	if _, err := e.Do(ctx, ReadAt(h, make([]byte, 1), -1)); !errors.Is(err, fs.ErrInvalid) {
		t.Errorf("negative offset: %v", err)
	}
}

func TestIOCPInvalidHandle(t *testing.T) {
	e, _ := testEngine(t)
	ctx := testCtx(t)
	// Not openFile: its cleanup would close the value again, when it may name someone else's handle.
	p, _ := windows.UTF16PtrFromString(filepath.Join(t.TempDir(), "closed"))
	closed, err := windows.CreateFile(p, windows.GENERIC_READ, 0, nil, windows.CREATE_ALWAYS, windows.FILE_FLAG_OVERLAPPED, 0)
	if err != nil {
		t.Fatal(err)
	}
	windows.CloseHandle(closed)
	for _, h := range []Handle{0x1234, windows.InvalidHandle, 0, closed} {
		_, err := e.Do(ctx, ReadAt(h, make([]byte, 8), 0))
		checkOpError(t, err, "ReadFile", windows.ERROR_INVALID_HANDLE)
		_, err = e.Do(ctx, DeviceIoControl(h, windows.FSCTL_GET_OBJECT_ID, nil, make([]byte, 64)))
		checkOpError(t, err, "DeviceIoControl", windows.ERROR_INVALID_HANDLE)
	}
}

// TestIOCPForeignPackets: packets ovio did not issue are counted and ignored, never dereferenced,
// and the engine goes on.
func TestIOCPForeignPackets(t *testing.T) {
	e, wantIgnored := testEngine(t)
	ctx := testCtx(t)
	d := e.drv.(*iocpDriver)
	if _, err := e.Do(ctx, Nop()); err != nil { // the op table has a chunk
		t.Fatal(err)
	}
	chunk := (*e.ops.chunks.Load())[0]
	foreign := heapOverlapped(0)
	post := func(key uintptr, ov *windows.Overlapped) {
		t.Helper()
		if err := windows.PostQueuedCompletionStatus(d.port, 7, key, ov); err != nil {
			t.Fatal(err)
		}
		*wantIgnored++
	}
	postAddr := func(key, addr uintptr) {
		t.Helper()
		if err := iocp.PostAddr(d.port, 7, key, addr); err != nil {
			t.Fatal(err)
		}
		*wantIgnored++
	}
	post(0, nil)
	post(12345, foreign)
	post(keyIO, foreign)
	post(keyIO, nil)
	post(keyFence, foreign)
	post(keyWake, foreign) // not Close's wake-up: the engine goes on
	postAddr(keyIO, 1)
	postAddr(keyIO, ^uintptr(0))
	postAddr(keyIO, iocp.Addr(&chunk[3].sys.ov)+8)                        // inside an op, not its OVERLAPPED
	postAddr(keyIO, iocp.Addr(&chunk[opChunk-1].sys.ov)+d.stride)         // just past the chunk
	postAddr(keyIO, iocp.Addr(&chunk[opChunk-1].sys.ov))                  // an op that is not in flight
	postAddr(keyFence, iocp.Addr(&chunk[opChunk-2].sys.ov)+uintptr(1)<<4) // misaligned fence

	// A foreign OVERLAPPED on a handle the engine bound: its packet comes with keyIO.
	srv, cli := pipePair(t, false)
	if err := e.Bind(srv); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8)
	var done uint32
	if err := windows.ReadFile(srv, buf, &done, foreign); err != windows.ERROR_IO_PENDING {
		t.Fatalf("foreign read: %v, want ERROR_IO_PENDING", err)
	}
	syncWrite(t, cli, []byte("x"))
	*wantIgnored++

	deadline := time.Now().Add(timeout)
	for e.Stats().Ignored != uint64(*wantIgnored) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	runtime.KeepAlive(foreign)
	runtime.KeepAlive(buf)
	if n, err := e.Do(ctx, Nop()); n != 0 || err != nil {
		t.Fatalf("Nop after foreign packets: %d, %v", n, err)
	}
	f := e.Start(ctx, ReadAt(srv, buf, 0))
	syncWrite(t, cli, []byte("ours"))
	if n, err := wait(t, f); err != nil || string(buf[:n]) != "ours" {
		t.Fatalf("read after foreign packets: %q, %v", buf[:n], err)
	}
}

// TestIOCPBoundElsewhere: a handle bound to another port, or not overlapped, fails at once with a
// clear error, never a hang.
func TestIOCPBoundElsewhere(t *testing.T) {
	e, _ := testEngine(t)
	ctx := testCtx(t)
	quick := func(name string, err error, targets ...error) {
		t.Helper()
		checkOpError(t, err, "ReadFile", targets...)
		t.Logf("%s: %v", name, err)
	}

	srv, _ := pipePair(t, false)
	port, err := windows.CreateIoCompletionPort(windows.InvalidHandle, 0, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer windows.CloseHandle(port)
	if _, err := windows.CreateIoCompletionPort(srv, port, 1, 0); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = e.Do(ctx, ReadAt(srv, make([]byte, 8), 0))
	quick("another port", err, ErrBoundElsewhere, windows.ERROR_INVALID_PARAMETER)
	if err := e.Bind(srv); !errors.Is(err, ErrBoundElsewhere) {
		t.Errorf("Bind: %v, want ErrBoundElsewhere", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("the errors took %v", d)
	}

	// Another ovio engine's.
	e2, _ := testEngine(t)
	srv2, _ := pipePair(t, false)
	if err := e2.Bind(srv2); err != nil {
		t.Fatal(err)
	}
	_, err = e.Do(ctx, ReadAt(srv2, make([]byte, 8), 0))
	quick("another engine", err, ErrBoundElsewhere)
	if !strings.Contains(err.Error(), "another ovio engine") {
		t.Errorf("the error does not say which port: %v", err)
	}

	// Go's runtime: os.NewFile binds an overlapped handle to the runtime's port.
	name := fmt.Sprintf(`\\.\pipe\ovio-test-%d-%d`, os.Getpid(), pipeSeq.Add(1))
	p, _ := windows.UTF16PtrFromString(name)
	h3, err := windows.CreateNamedPipe(p, windows.PIPE_ACCESS_DUPLEX|windows.FILE_FLAG_OVERLAPPED,
		windows.PIPE_TYPE_BYTE, 1, 4096, 4096, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(h3), name)
	defer f.Close()
	_, err = e.Do(ctx, ReadAt(h3, make([]byte, 8), 0))
	quick("Go's runtime", err, ErrBoundElsewhere)
	// File.Fd detaches the handle from the runtime's port where the system can.
	if err := e.Bind(Handle(f.Fd())); err != nil {
		if !errors.Is(err, ErrBoundElsewhere) {
			t.Errorf("Bind after Fd: %v", err)
		}
		t.Logf("os.File.Fd could not detach the handle (Wine 8 lacks FileReplaceCompletionInformation): %v", err)
	}

	// A handle opened without FILE_FLAG_OVERLAPPED.
	path := filepath.Join(t.TempDir(), "sync")
	if err := os.WriteFile(path, []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	sf, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer sf.Close()
	_, err = e.Do(ctx, ReadAt(Handle(sf.Fd()), make([]byte, 8), 0))
	quick("synchronous handle", err, ErrNotOverlapped, windows.ERROR_INVALID_PARAMETER)
}

// TestIOCPHandleReuse: a handle value closed and given to a new file is bound again, not taken
// for bound.
func TestIOCPHandleReuse(t *testing.T) {
	e, _ := testEngine(t)
	ctx := testCtx(t)
	dir := t.TempDir()
	seen := map[Handle]bool{}
	reused := 0
	for i := range 20 {
		p, _ := windows.UTF16PtrFromString(filepath.Join(dir, fmt.Sprint("f", i)))
		h, err := windows.CreateFile(p, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil,
			windows.CREATE_NEW, windows.FILE_FLAG_OVERLAPPED, 0)
		if err != nil {
			t.Fatal(err)
		}
		if seen[h] {
			reused++
		}
		seen[h] = true
		msg := []byte(fmt.Sprint("file ", i))
		if n, err := e.Do(ctx, WriteAt(h, msg, 0)); n != len(msg) || err != nil {
			t.Fatalf("file %d (handle %#x): WriteAt %d, %v", i, h, n, err)
		}
		buf := make([]byte, 32)
		if n, err := e.Do(ctx, ReadAt(h, buf, 0)); err != nil || !bytes.Equal(buf[:n], msg) {
			t.Fatalf("file %d (handle %#x): ReadAt %q, %v", i, h, buf[:n], err)
		}
		windows.CloseHandle(h)
	}
	if reused == 0 {
		t.Skip("the system gave no handle value twice: nothing was reused")
	}
	t.Logf("%d of 20 handles reused an earlier value", reused)
}

func TestIOCPUnbind(t *testing.T) {
	e, _ := testEngine(t)
	ctx := testCtx(t)
	srv, cli := pipePair(t, false)
	if err := e.Unbind(srv); err == nil {
		t.Error("Unbind of a handle never bound succeeded")
	}
	if err := e.Bind(srv); err != nil {
		t.Fatal(err)
	}
	err := e.Unbind(srv)
	if errors.Is(err, ErrNotSupported) {
		// Still bound, and usable.
		syncWrite(t, cli, []byte("still"))
		buf := make([]byte, 8)
		if n, err := e.Do(ctx, ReadAt(srv, buf, 0)); err != nil || string(buf[:n]) != "still" {
			t.Fatalf("read after a refused Unbind: %q, %v", buf[:n], err)
		}
		t.Skipf("Unbind: %v (Wine 8 does not implement FileReplaceCompletionInformation)", err)
	}
	if err != nil {
		t.Fatalf("Unbind: %v", err)
	}
	e2, _ := testEngine(t)
	if err := e2.Bind(srv); err != nil {
		t.Fatalf("Bind to another engine after Unbind: %v", err)
	}
}

// TestIOCPManyOps: 10 000 ops from many goroutines, with cancels at random moments: each op
// completes exactly once, and not a byte is lost or read twice.
func TestIOCPManyOps(t *testing.T) {
	e, _ := testEngine(t)
	ctx := testCtx(t)
	const workers, perWorker = 40, 250
	dir := t.TempDir()
	type tally struct{ ops, cancelled, written, read int }
	tallies := make([]tally, workers)
	errc := make(chan error, workers)
	for w := range workers {
		srv, cli := pipePair(t, false)
		file := openFile(t, filepath.Join(dir, fmt.Sprint("w", w)))
		go func() {
			errc <- func() error {
				rng := rand.New(rand.NewPCG(uint64(w), 42))
				tl := &tallies[w]
				buf := make([]byte, 8)
				for tl.ops < perWorker {
					switch rng.IntN(5) {
					case 0:
						tl.ops++
						if _, err := e.Do(ctx, Nop()); err != nil {
							return err
						}
					case 1, 2:
						// A read of the pipe, raced by a write and a cancel in random order.
						f := e.Start(ctx, ReadAt(srv, buf, 0))
						tl.ops++
						write := rng.IntN(3) != 0
						cancelFirst := rng.IntN(2) == 0
						if cancelFirst {
							f.Cancel()
						}
						if write {
							tl.ops++
							if n, err := e.Do(ctx, WriteAt(cli, []byte{byte(w)}, 0)); n != 1 || err != nil {
								return fmt.Errorf("write: %d, %v", n, err)
							}
							tl.written++
						}
						if !cancelFirst {
							time.Sleep(time.Duration(rng.IntN(200)) * time.Microsecond)
							f.Cancel()
						}
						n, err := f.Wait(ctx)
						switch {
						case err == nil:
							tl.read += n
						case errors.Is(err, context.Canceled) && errors.Is(err, windows.ERROR_OPERATION_ABORTED):
							tl.cancelled++
						default:
							return fmt.Errorf("read: %d, %v", n, err)
						}
					case 3:
						// A file write and read back, under a deadline that may cut them short.
						off := int64(rng.IntN(1 << 16))
						dctx, cancel := context.WithTimeout(ctx, time.Duration(rng.IntN(300))*time.Microsecond)
						reqs := []Request{WriteAt(file, []byte("abcd"), off), ReadAt(file, make([]byte, 4), off)}
						res := make([]Result, 2)
						e.DoBatch(dctx, reqs, res)
						cancel()
						tl.ops += 2
						for _, r := range res {
							if r.Err != nil && !errors.Is(r.Err, context.DeadlineExceeded) {
								return fmt.Errorf("file op: %v", r.Err)
							}
						}
					case 4:
						// Nops started together, cancelled at once.
						fs := e.StartBatch(ctx, []Request{Nop(), Nop(), Nop()})
						for _, f := range fs {
							f.Cancel()
						}
						for _, f := range fs {
							tl.ops++
							if _, err := f.Wait(ctx); err != nil && !errors.Is(err, context.Canceled) {
								return fmt.Errorf("nop: %v", err)
							}
						}
					}
				}
				// What was written and not read is still in the pipe: read it, then nothing more.
				for left := tl.written - tl.read; left > 0; {
					n, err := e.Do(ctx, ReadAt(srv, buf[:min(left, len(buf))], 0))
					if err != nil {
						return fmt.Errorf("drain: %v", err)
					}
					tl.read += n
					left -= n
				}
				dctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
				defer cancel()
				if n, err := e.Do(dctx, ReadAt(srv, buf, 0)); !errors.Is(err, context.DeadlineExceeded) {
					return fmt.Errorf("pipe not empty after the drain: %d, %v", n, err)
				}
				return nil
			}()
		}()
	}
	start := time.Now()
	for range workers {
		select {
		case err := <-errc:
			if err != nil {
				t.Error(err)
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("workers still running after 60s; stats %+v", e.Stats())
		}
	}
	var total tally
	for _, tl := range tallies {
		total.ops += tl.ops
		total.cancelled += tl.cancelled
		total.written += tl.written
		total.read += tl.read
		if tl.read != tl.written {
			t.Errorf("a pipe got %d bytes written and %d read", tl.written, tl.read)
		}
	}
	if total.ops < 10000 {
		t.Errorf("only %d ops", total.ops)
	}
	if st := e.Stats(); st.InFlight != 0 {
		t.Errorf("%d ops in flight after every op returned", st.InFlight)
	}
	t.Logf("%d ops in %v: %d reads cancelled, %d bytes through the pipes", total.ops, time.Since(start).Round(time.Millisecond), total.cancelled, total.read)
}

// udpSocket returns an overlapped UDP socket bound to a port of 127.0.0.1, and its address.
func udpSocket(t *testing.T) (Handle, windows.Sockaddr) {
	t.Helper()
	s, err := windows.WSASocket(windows.AF_INET, windows.SOCK_DGRAM, windows.IPPROTO_UDP, nil, 0, windows.WSA_FLAG_OVERLAPPED)
	if err != nil {
		t.Fatalf("WSASocket: %v", err)
	}
	t.Cleanup(func() { windows.Closesocket(s) })
	if err := windows.Bind(s, &windows.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatalf("bind: %v", err)
	}
	sa, err := windows.Getsockname(s)
	if err != nil {
		t.Fatalf("getsockname: %v", err)
	}
	return s, sa
}

// TestIOCPSocketSkipMode: FILE_SKIP_COMPLETION_PORT_ON_SUCCESS is set on a socket only where its
// Winsock provider is IFS (a layered provider that is not may queue a packet for a call that
// completed at once); other handles get it regardless. A socket without it still completes a read
// that succeeds at once exactly once, through the fence.
func TestIOCPSocketSkipMode(t *testing.T) {
	var wsa windows.WSAData
	if err := windows.WSAStartup(0x202, &wsa); err != nil {
		t.Fatalf("WSAStartup: %v", err)
	}
	defer windows.WSACleanup()
	ctx := testCtx(t)

	srv, _ := pipePair(t, false)
	file := openFile(t, filepath.Join(t.TempDir(), "f"))
	s, _ := udpSocket(t)
	sock, ifs := iocp.SocketIFS(s)
	if !sock {
		t.Error("SocketIFS: a UDP socket is not a socket")
	}
	t.Logf("the UDP provider is IFS: %v", ifs)
	for _, h := range []Handle{srv, file} {
		if sock, _ := iocp.SocketIFS(h); sock {
			t.Errorf("SocketIFS: handle %#x (a pipe or a file) is a socket", h)
		}
	}

	saved := socketIFS
	defer func() { socketIFS = saved }()
	for _, ifs := range []bool{false, true} {
		t.Run(fmt.Sprint("IFS=", ifs), func(t *testing.T) {
			socketIFS = func(h Handle) (bool, bool) {
				sock, _ := saved(h)
				return sock, ifs
			}
			e, _ := testEngine(t)
			s, sa := udpSocket(t)
			srv, _ := pipePair(t, false)
			for _, h := range []Handle{s, srv} {
				if err := e.Bind(h); err != nil {
					t.Fatalf("Bind: %v", err)
				}
			}
			if skip := handleEntryOf(s).skip; skip != ifs {
				t.Errorf("skip mode on the socket: %v, want %v", skip, ifs)
			}
			if !handleEntryOf(srv).skip {
				t.Error("no skip mode on a pipe")
			}
			for i := range 20 {
				msg := []byte(fmt.Sprint("datagram ", i))
				if err := windows.Sendto(s, msg, 0, sa); err != nil {
					t.Fatalf("sendto: %v", err)
				}
				buf := make([]byte, 64)
				if n, err := e.Do(ctx, ReadAt(s, buf, 0)); err != nil || !bytes.Equal(buf[:n], msg) {
					t.Fatalf("read %q, %v; want %q", buf[:n], err, msg)
				}
			}
			// A second completion of one of those reads would come before this Nop's, and be
			// counted as ignored (the cleanup wants none).
			if _, err := e.Do(ctx, Nop()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestIOCPSlowWaiter: a waiter that never reads its result delays nobody. Futures complete while
// their owners are blocked elsewhere and never look; meanwhile many other ops complete and are
// delivered to waiters who do.
func TestIOCPSlowWaiter(t *testing.T) {
	e, _ := testEngine(t)
	ctx := testCtx(t)
	const idle = 50
	stuck := make(chan struct{})
	defer close(stuck)
	futs := make(chan *Op, idle)
	for range idle {
		srv, cli := pipePair(t, false)
		go func() {
			f := e.Start(ctx, ReadAt(srv, make([]byte, 8), 0))
			futs <- f
			<-stuck // the owner is busy elsewhere: it never reads f
		}()
		syncWrite(t, cli, []byte("unread"))
	}
	const workers, each = 8, 250
	errc := make(chan error, workers)
	for range workers {
		go func() {
			for range each {
				if _, err := e.Do(ctx, Nop()); err != nil {
					errc <- err
					return
				}
			}
			errc <- nil
		}()
	}
	for range workers {
		select {
		case err := <-errc:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(timeout):
			t.Fatalf("other ops stalled behind unread results; stats %+v", e.Stats())
		}
	}
	for range idle {
		f := <-futs
		select {
		case <-f.Done(): // delivered, though nobody waited
		case <-time.After(timeout):
			t.Fatal("an unread op never completed")
		}
	}
}

// TestIOCPBufferStaysAlive: a read's buffer, referenced only by the op, survives collections while
// the read pends, and the data lands in it: the finalizer, run once the op is done and the buffer
// dropped, finds the data there.
func TestIOCPBufferStaysAlive(t *testing.T) {
	e, _ := testEngine(t)
	srv, cli := pipePair(t, false)
	var freed atomic.Bool
	seen := make(chan string, 1)
	f := func() *Op {
		buf := new([64]byte)
		runtime.SetFinalizer(buf, func(b *[64]byte) {
			freed.Store(true)
			seen <- string(b[:9])
		})
		return e.Start(context.Background(), ReadAt(srv, buf[:], 0))
	}()
	notDone(t, f, 20*time.Millisecond)
	for range 5 {
		runtime.GC()
		garbage = make([]byte, 1<<20) // reuse freed memory, if the buffer's were
	}
	if freed.Load() {
		t.Fatal("the buffer of a pending read was collected")
	}
	syncWrite(t, cli, []byte("late data"))
	if n, err := wait(t, f); n != 9 || err != nil {
		t.Fatalf("read: %d, %v", n, err)
	}
	deadline := time.Now().Add(timeout)
	for {
		runtime.GC()
		select {
		case s := <-seen:
			if s != "late data" {
				t.Fatalf("the buffer holds %q", s)
			}
			return
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("the buffer was not collected after the op: its content cannot be checked")
		}
	}
}

var garbage []byte

// TestIOCPConfig: Engine.Config of the IOCP engine: the settings of the other engines zeroed.
func TestIOCPConfig(t *testing.T) {
	e, err := Open(&Config{Entries: 64, Workers: 3, CoopTaskrun: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	want := Config{Kind: "iocp", MaxInFlight: defaultMaxInFlight}
	if got := e.Config(); got != want {
		t.Errorf("Config() = %+v, want %+v", got, want)
	}
}
