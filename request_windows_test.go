package ovio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ovio/ovio/internal/iocp"
	"github.com/ovio/ovio/internal/iocp/cfstandin"
	"golang.org/x/sys/windows"
)

// FSCTL_PIPE_LISTEN: what ConnectNamedPipe sends; through DeviceIoControl it pends like it.
const fsctlPipeListen = 0x00110008

func TestDeviceIoControlFile(t *testing.T) {
	e, _ := testEngine(t)
	ctx := testCtx(t)
	h := openFile(t, filepath.Join(t.TempDir(), "file"))
	if _, err := e.Do(ctx, WriteAt(h, []byte("some data"), 0)); err != nil {
		t.Fatal(err)
	}
	// FILE_OBJECTID_BUFFER, 64 bytes. Windows creates the object ID on demand; Wine 8 lacks that
	// control code, and answers FSCTL_GET_OBJECT_ID for any file.
	code := uint32(windows.FSCTL_CREATE_OR_GET_OBJECT_ID)
	id := make([]byte, 64)
	n, err := e.Do(ctx, DeviceIoControl(h, code, nil, id))
	if errors.Is(err, windows.ERROR_NOT_SUPPORTED) || errors.Is(err, windows.ERROR_INVALID_FUNCTION) {
		t.Logf("FSCTL_CREATE_OR_GET_OBJECT_ID: %v; using FSCTL_GET_OBJECT_ID (Wine 8)", err)
		code = windows.FSCTL_GET_OBJECT_ID
		n, err = e.Do(ctx, DeviceIoControl(h, code, nil, id))
	}
	if err != nil || n != 64 {
		t.Fatalf("DeviceIoControl(%#x): %d, %v; want 64 bytes", code, n, err)
	}
	again := make([]byte, 64)
	if n, err := e.Do(ctx, DeviceIoControl(h, code, nil, again)); err != nil || n != 64 || !bytes.Equal(id[:16], again[:16]) {
		t.Errorf("second DeviceIoControl: %d, %v, object ID %x then %x", n, err, id[:16], again[:16])
	}
	_, err = e.Do(ctx, DeviceIoControl(h, windows.FSCTL_GET_REPARSE_POINT, nil, make([]byte, 1024)))
	checkOpError(t, err, "DeviceIoControl", windows.ERROR_NOT_A_REPARSE_POINT)
}

// TestDeviceIoControlPends: a control code that waits, FSCTL_PIPE_LISTEN, completed by a client
// and cancelled.
func TestDeviceIoControlPends(t *testing.T) {
	e, _ := testEngine(t)
	ctx := testCtx(t)
	name := fmt.Sprintf(`\\.\pipe\ovio-test-%d-%d`, os.Getpid(), pipeSeq.Add(1))
	srv := createPipe(t, name, false)
	f := e.Start(ctx, DeviceIoControl(srv, fsctlPipeListen, nil, nil))
	notDone(t, f, 50*time.Millisecond)
	dialPipe(t, name)
	if n, err := wait(t, f); n != 0 || err != nil {
		t.Fatalf("FSCTL_PIPE_LISTEN: %d, %v", n, err)
	}
	srv2 := createPipe(t, name+"-2", false)
	f = e.Start(ctx, DeviceIoControl(srv2, fsctlPipeListen, nil, nil))
	notDone(t, f, 50*time.Millisecond)
	f.Cancel()
	_, err := wait(t, f)
	checkOpError(t, err, "DeviceIoControl", context.Canceled, windows.ERROR_OPERATION_ABORTED)
}

func TestReadDirectoryChanges(t *testing.T) {
	e, _ := testEngine(t)
	ctx := testCtx(t)
	dir := t.TempDir()
	p, _ := windows.UTF16PtrFromString(dir)
	dh, err := windows.CreateFile(p, windows.FILE_LIST_DIRECTORY,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, nil,
		windows.OPEN_EXISTING, windows.FILE_FLAG_BACKUP_SEMANTICS|windows.FILE_FLAG_OVERLAPPED, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { windows.CloseHandle(dh) }) // before TempDir's removal, which was registered first

	buf := make([]byte, 4096)
	f := e.Start(ctx, ReadDirectoryChanges(dh, buf, false, windows.FILE_NOTIFY_CHANGE_FILE_NAME))
	notDone(t, f, 100*time.Millisecond)
	if err := os.WriteFile(filepath.Join(dir, "created.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	n, err := wait(t, f)
	if err != nil || n == 0 {
		t.Fatalf("ReadDirectoryChangesW: %d, %v", n, err)
	}
	recs, err := ParseFileNotifyInformation(buf[:n])
	if err != nil {
		t.Fatalf("parse %x: %v", buf[:n], err)
	}
	found := false
	for _, r := range recs {
		found = found || r == FileNotifyInformation{windows.FILE_ACTION_ADDED, "created.txt"}
	}
	if !found {
		t.Errorf("records %+v lack the creation of created.txt", recs)
	}

	f = e.Start(ctx, ReadDirectoryChanges(dh, buf, true, windows.FILE_NOTIFY_CHANGE_FILE_NAME))
	notDone(t, f, 50*time.Millisecond)
	f.Cancel()
	_, err = wait(t, f)
	checkOpError(t, err, "ReadDirectoryChangesW", context.Canceled, windows.ERROR_OPERATION_ABORTED)

	_, err = e.Do(ctx, ReadDirectoryChanges(dh, buf[1:], false, windows.FILE_NOTIFY_CHANGE_FILE_NAME))
	checkOpError(t, err, "ReadDirectoryChangesW", fs.ErrInvalid)

	// Changes that do not fit: ERROR_NOTIFY_ENUM_DIR, rescan.
	small := make([]byte, 8)
	f = e.Start(ctx, ReadDirectoryChanges(dh, small, false, windows.FILE_NOTIFY_CHANGE_FILE_NAME))
	notDone(t, f, 50*time.Millisecond)
	if err := os.WriteFile(filepath.Join(dir, "a name longer than the buffer.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	n, err = wait(t, f)
	checkOpError(t, err, "ReadDirectoryChangesW", windows.ERROR_NOTIFY_ENUM_DIR)
	if n != 0 {
		t.Errorf("overflow: %d bytes", n)
	}
}

func TestConnectNamedPipe(t *testing.T) {
	e, _ := testEngine(t)
	ctx := testCtx(t)
	name := fmt.Sprintf(`\\.\pipe\ovio-test-%d-%d`, os.Getpid(), pipeSeq.Add(1))

	srv := createPipe(t, name, false)
	f := e.Start(ctx, ConnectNamedPipe(srv))
	notDone(t, f, 50*time.Millisecond)
	cli := dialPipe(t, name)
	if n, err := wait(t, f); n != 0 || err != nil {
		t.Fatalf("ConnectNamedPipe: %d, %v", n, err)
	}
	syncWrite(t, cli, []byte("hi"))
	buf := make([]byte, 8)
	if n, err := e.Do(ctx, ReadAt(srv, buf, 0)); err != nil || string(buf[:n]) != "hi" {
		t.Errorf("read from the connected client: %q, %v", buf[:n], err)
	}

	// A client that connected first: ERROR_PIPE_CONNECTED, which is what was awaited.
	srv2 := createPipe(t, name+"-2", false)
	dialPipe(t, name+"-2")
	if n, err := e.Do(ctx, ConnectNamedPipe(srv2)); n != 0 || err != nil {
		t.Errorf("ConnectNamedPipe after the client: %d, %v", n, err)
	}

	srv3 := createPipe(t, name+"-3", false)
	ctx3, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err := e.Do(ctx3, ConnectNamedPipe(srv3))
	checkOpError(t, err, "ConnectNamedPipe", context.DeadlineExceeded, windows.ERROR_OPERATION_ABORTED)
}

func TestLockFileEx(t *testing.T) {
	e, _ := testEngine(t)
	ctx := testCtx(t)
	path := filepath.Join(t.TempDir(), "locked")
	h1, h2 := openFile(t, path), openFile(t, path)
	if _, err := e.Do(ctx, LockFileEx(h1, windows.LOCKFILE_EXCLUSIVE_LOCK, 0, 10)); err != nil {
		t.Fatalf("LockFileEx: %v", err)
	}
	_, err := e.Do(ctx, LockFileEx(h2, windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 5, 10))
	checkOpError(t, err, "LockFileEx", windows.ERROR_LOCK_VIOLATION)
	if _, err := e.Do(ctx, LockFileEx(h2, windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 10, 10)); err != nil {
		t.Errorf("LockFileEx of a free range: %v", err)
	}
	if _, err := e.Do(ctx, UnlockFileEx(h1, 0, 10)); err != nil {
		t.Errorf("UnlockFileEx: %v", err)
	}
	_, err = e.Do(ctx, UnlockFileEx(h1, 0, 10))
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		t.Logf("unlocking a range not locked: %v (Wine 8; Windows says ERROR_NOT_LOCKED)", err)
	} else {
		checkOpError(t, err, "UnlockFileEx", windows.ERROR_NOT_LOCKED)
	}
	_, err = e.Do(ctx, LockFileEx(h1, 0, -1, 10))
	checkOpError(t, err, "LockFileEx", fs.ErrInvalid)
}

// TestLockFileExWaitCancelled: LockFileEx waits for a lock another handle holds; it is cancelled,
// and a second wait is granted when the lock is released.
func TestLockFileExWaitCancelled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "locked")
	if why := asyncLockBroken(t, path); why != "" {
		t.Skip(why)
	}
	e, _ := testEngine(t)
	ctx := testCtx(t)
	h1, h2 := openFile(t, path), openFile(t, path)
	if _, err := e.Do(ctx, LockFileEx(h1, windows.LOCKFILE_EXCLUSIVE_LOCK, 0, 10)); err != nil {
		t.Fatal(err)
	}
	f := e.Start(ctx, LockFileEx(h2, windows.LOCKFILE_EXCLUSIVE_LOCK, 0, 10))
	notDone(t, f, 100*time.Millisecond)
	f.Cancel()
	_, err := wait(t, f)
	checkOpError(t, err, "LockFileEx", context.Canceled, windows.ERROR_OPERATION_ABORTED)

	f = e.Start(ctx, LockFileEx(h2, windows.LOCKFILE_EXCLUSIVE_LOCK, 0, 10))
	notDone(t, f, 50*time.Millisecond)
	if _, err := e.Do(ctx, UnlockFileEx(h1, 0, 10)); err != nil {
		t.Fatal(err)
	}
	if _, err := wait(t, f); err != nil {
		t.Fatalf("the lock was released, and the wait for it: %v", err)
	}
}

// asyncLockBroken checks, outside ovio, that an overlapped LockFileEx waiting for a held lock is
// granted when it is released. It returns why not.
func asyncLockBroken(t *testing.T, path string) string {
	a, b := openFile(t, path), openFile(t, path)
	ev, err := windows.CreateEvent(nil, 1, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer windows.CloseHandle(ev)
	if err := windows.LockFileEx(a, windows.LOCKFILE_EXCLUSIVE_LOCK, 0, 1, 0, &windows.Overlapped{}); err != nil {
		t.Fatalf("probe: LockFileEx: %v", err)
	}
	ov := heapOverlapped(ev)
	if err := windows.LockFileEx(b, windows.LOCKFILE_EXCLUSIVE_LOCK, 0, 1, 0, ov); err != windows.ERROR_IO_PENDING {
		t.Fatalf("probe: LockFileEx of a held lock: %v, want ERROR_IO_PENDING", err)
	}
	pendingStatus := ov.Internal
	windows.UnlockFileEx(a, 0, 1, 0, &windows.Overlapped{})
	if ev, _ := windows.WaitForSingleObject(ev, 1000); ev == windows.WAIT_OBJECT_0 {
		windows.UnlockFileEx(b, 0, 1, 0, &windows.Overlapped{})
		return ""
	}
	windows.CancelIoEx(b, ov)
	return fmt.Sprintf("Wine 8's LockFileEx returns ERROR_IO_PENDING for a range another handle locked (with "+
		"Internal %#x, not STATUS_PENDING) but starts no wait: the lock is not granted when released, "+
		"no packet ever comes and CancelIoEx finds nothing, so an op would wait forever", pendingStatus)
}

// TestOverlapped: the generic entry point, with a caller's ReadFile.
func TestOverlapped(t *testing.T) {
	e, _ := testEngine(t)
	ctx := testCtx(t)
	srv, cli := pipePair(t, false)
	buf := make([]byte, 32)
	done := new(uint32) // x/sys's ReadFile reads it when the race detector is on
	read := Overlapped(srv, func(ov *windows.Overlapped) error { return windows.ReadFile(srv, buf, done, ov) }, buf)

	f := e.Start(ctx, read)
	notDone(t, f, 50*time.Millisecond)
	syncWrite(t, cli, []byte("pending"))
	if n, err := wait(t, f); err != nil || string(buf[:n]) != "pending" {
		t.Fatalf("pending read: %q, %v", buf[:n], err)
	}
	syncWrite(t, cli, []byte("at once"))
	if n, err := e.Do(ctx, read); err != nil || string(buf[:n]) != "at once" {
		t.Fatalf("synchronous read: %q, %v", buf[:n], err)
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	_, err := e.Do(cctx, read)
	checkOpError(t, err, "Overlapped", context.DeadlineExceeded, windows.ERROR_OPERATION_ABORTED)

	_, err = e.Do(ctx, Overlapped(srv, func(*windows.Overlapped) error { return windows.ERROR_ACCESS_DENIED }))
	checkOpError(t, err, "Overlapped", windows.ERROR_ACCESS_DENIED)
	_, err = e.Do(ctx, Overlapped(srv, nil))
	checkOpError(t, err, "Overlapped", fs.ErrInvalid)
	_, err = e.Do(ctx, Overlapped(srv, func(*windows.Overlapped) error { return nil }, 42))
	checkOpError(t, err, "Overlapped", fs.ErrInvalid)

	// A start function that panics before any call: the op fails, the panic goes on.
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("recovered %v, want the start function's panic", p)
			}
		}()
		e.Do(ctx, Overlapped(srv, func(*windows.Overlapped) error { panic("boom") }))
	}()
	if st := e.Stats(); st.InFlight != 0 {
		t.Errorf("%d ops in flight after the panic", st.InFlight)
	}
}

// hresultOf converts the outcome of a Win32 call to the HRESULT an HRESULT API would return.
func hresultOf(err error) HRESULT {
	var errno windows.Errno
	switch {
	case err == nil:
		return 0
	case errors.As(err, &errno):
		return HRESULT(iocp.HRESULTFromWin32(uint32(errno)))
	}
	return HRESULT(-0x7fffbffb) // E_FAIL
}

func TestOverlappedHRESULT(t *testing.T) {
	e, _ := testEngine(t)
	ctx := testCtx(t)
	srv, cli := pipePair(t, false)
	buf := make([]byte, 32)
	done := new(uint32)
	read := OverlappedHRESULT(srv, func(ov *windows.Overlapped) HRESULT {
		return hresultOf(windows.ReadFile(srv, buf, done, ov))
	}, buf)
	f := e.Start(ctx, read)
	notDone(t, f, 50*time.Millisecond)
	syncWrite(t, cli, []byte("pending"))
	if n, err := wait(t, f); err != nil || string(buf[:n]) != "pending" {
		t.Fatalf("pending read: %q, %v", buf[:n], err)
	}
	syncWrite(t, cli, []byte("S_OK"))
	if n, err := e.Do(ctx, read); err != nil || string(buf[:n]) != "S_OK" {
		t.Fatalf("synchronous read: %q, %v", buf[:n], err)
	}
	_, err := e.Do(ctx, OverlappedHRESULT(srv, func(*windows.Overlapped) HRESULT { return HRESULT(-0x7ff8fffb) })) // E_ACCESSDENIED
	checkOpError(t, err, "OverlappedHRESULT", windows.ERROR_ACCESS_DENIED)
	_, err = e.Do(ctx, OverlappedHRESULT(srv, func(*windows.Overlapped) HRESULT { return HRESULT(-0x7fffbfff) })) // E_NOTIMPL
	var hr HRESULT
	if !errors.As(err, &hr) || uint32(hr) != 0x80004001 {
		t.Errorf("E_NOTIMPL: %v, want the HRESULT", err)
	}
	t.Logf("E_NOTIMPL reads: %v", err)
}

func TestOverlappedNTSTATUS(t *testing.T) {
	e, _ := testEngine(t)
	ctx := testCtx(t)
	srv, cli := pipePair(t, true)
	buf := make([]byte, 4)
	done := new(uint32)
	read := OverlappedNTSTATUS(srv, func(ov *windows.Overlapped) windows.NTStatus {
		switch err := windows.ReadFile(srv, buf, done, ov); err {
		case nil:
			return windows.STATUS_SUCCESS
		case windows.ERROR_IO_PENDING:
			return windows.STATUS_PENDING
		}
		return windows.NTStatus(uint32(ov.Internal)) // the status the call completed with
	}, buf)
	f := e.Start(ctx, read)
	notDone(t, f, 50*time.Millisecond)
	syncWrite(t, cli, []byte("ab"))
	if n, err := wait(t, f); err != nil || string(buf[:n]) != "ab" {
		t.Fatalf("pending read: %q, %v", buf[:n], err)
	}
	// A warning at once: STATUS_BUFFER_OVERFLOW, with the bytes that fit.
	syncWrite(t, cli, []byte("0123456789"))
	n, err := e.Do(ctx, read)
	checkOpError(t, err, "OverlappedNTSTATUS", windows.ERROR_MORE_DATA)
	if n != 4 || string(buf) != "0123" {
		t.Errorf("STATUS_BUFFER_OVERFLOW: %d bytes %q", n, buf[:n])
	}
	_, err = e.Do(ctx, OverlappedNTSTATUS(srv, func(*windows.Overlapped) windows.NTStatus { return windows.STATUS_ACCESS_DENIED }))
	checkOpError(t, err, "OverlappedNTSTATUS", windows.ERROR_ACCESS_DENIED)
	cctx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	for {
		// Drain the rest of the message, then time out on the empty pipe.
		if _, err = e.Do(cctx, read); err == nil || errors.Is(err, windows.ERROR_MORE_DATA) {
			continue
		}
		break
	}
	checkOpError(t, err, "OverlappedNTSTATUS", context.DeadlineExceeded, windows.ERROR_OPERATION_ABORTED)
}

// TestCfHydratePlaceholder: cldapi.dll is missing under Wine 8, which the op reports as
// ErrNotSupported; the HRESULT handling is tested with a native stand-in for the function that
// starts real overlapped I/O and returns what CfHydratePlaceholder returns.
func TestCfHydratePlaceholder(t *testing.T) {
	e, _ := testEngine(t)
	ctx := testCtx(t)
	srv, cli := pipePair(t, false)
	if err := iocp.CfHydratePlaceholderProc().Find(); err != nil {
		other, _ := pipePair(t, false)
		_, err := e.Do(ctx, CfHydratePlaceholder(other, 0, -1, 0))
		checkOpError(t, err, "CfHydratePlaceholder", ErrNotSupported)
		port, perr := windows.CreateIoCompletionPort(windows.InvalidHandle, 0, 0, 1)
		if perr != nil {
			t.Fatal(perr)
		}
		defer windows.CloseHandle(port)
		if _, err := windows.CreateIoCompletionPort(other, port, 0, 0); err != nil {
			t.Errorf("the handle was bound though the function is missing: %v", err)
		}
		t.Logf("without cldapi.dll: %v", err)
	}

	type call struct {
		off, length int64
		flags       uint32
	}
	calls := make(chan call, 16)
	buf := make([]byte, 16)
	done := new(uint32)
	var result HRESULT // what the stand-in returns instead of starting a read; 0 to read
	restore := cfstandin.Install(func(h windows.Handle, off, length int64, flags uint32, ov *windows.Overlapped) int32 {
		calls <- call{off, length, flags}
		if result != 0 {
			return int32(result)
		}
		return int32(hresultOf(windows.ReadFile(h, buf, done, ov)))
	})
	defer restore()

	// 0x800703E5: pending, completed by the packet.
	f := e.Start(ctx, CfHydratePlaceholder(srv, 4096, -1, 0))
	if c := <-calls; c != (call{4096, -1, 0}) {
		t.Errorf("the function got %+v", c)
	}
	notDone(t, f, 50*time.Millisecond)
	syncWrite(t, cli, []byte("hydrated"))
	if n, err := wait(t, f); err != nil || n != 8 {
		t.Fatalf("pending CfHydratePlaceholder: %d, %v", n, err)
	}
	// S_OK: done at once.
	syncWrite(t, cli, []byte("at once"))
	if n, err := e.Do(ctx, CfHydratePlaceholder(srv, 0, 1<<40, 0)); err != nil || n != 7 {
		t.Fatalf("synchronous CfHydratePlaceholder: %d, %v", n, err)
	}
	if c := <-calls; c != (call{0, 1 << 40, 0}) {
		t.Errorf("the function got %+v", c)
	}
	// Cancelled while pending.
	f = e.Start(ctx, CfHydratePlaceholder(srv, 0, -1, 0))
	<-calls
	notDone(t, f, 50*time.Millisecond)
	f.Cancel()
	_, err := wait(t, f)
	checkOpError(t, err, "CfHydratePlaceholder", context.Canceled, windows.ERROR_OPERATION_ABORTED)
	// Failures: FACILITY_WIN32 as windows.Errno, others as HRESULT.
	for _, c := range []struct {
		hr   uint32
		want error
	}{
		{0x80070005, windows.ERROR_ACCESS_DENIED},
		{0x8007016A, windows.Errno(0x16A)}, // ERROR_CLOUD_FILE_PROVIDER_NOT_RUNNING
		{0x80004001, HRESULT(-0x7fffbfff)}, // E_NOTIMPL
	} {
		result = HRESULT(int32(c.hr))
		_, err := e.Do(ctx, CfHydratePlaceholder(srv, 0, -1, 0))
		<-calls
		checkOpError(t, err, "CfHydratePlaceholder", c.want)
		if !strings.Contains(err.Error(), "ovio CfHydratePlaceholder") {
			t.Errorf("error %q", err)
		}
	}
	result = 0
	_, err = e.Do(ctx, CfHydratePlaceholder(srv, -1, 0, 0))
	checkOpError(t, err, "CfHydratePlaceholder", fs.ErrInvalid)
}

// opsOut counts the ops of e's table not back in its pool: in flight, or done and not released.
func opsOut(e *Engine) int {
	e.ops.mu.Lock()
	defer e.ops.mu.Unlock()
	return int(e.ops.n) - len(e.ops.free) - int(e.ops.retired.Load())
}

// settled waits until e has no op in flight and every op is back in its pool.
func settled(t *testing.T, e *Engine) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for e.Stats().InFlight != 0 || opsOut(e) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %d ops in flight, %d out of the pool", timeout, e.Stats().InFlight, opsOut(e))
		}
		time.Sleep(time.Millisecond)
	}
}

// mustPanic runs f and checks that it raises the panic want.
func mustPanic(t *testing.T, want any, f func()) {
	t.Helper()
	defer func() {
		if p := recover(); p != want {
			t.Errorf("recovered %v, want %v", p, want)
		}
	}()
	f()
}

// TestOverlappedPanic: a start function that panics after its call failed at once, pended, or
// succeeded at once, through Do, Start, DoBatch and StartBatch. The panic goes on; the op ends (a
// pending call is cancelled), goes back to the pool, and Close does not wait for it. A call that
// failed at once is the hard case: kernel32 wrote STATUS_PENDING into the OVERLAPPED before the
// native call, the failure left it there, and no packet will ever come.
func TestOverlappedPanic(t *testing.T) {
	type scenario struct {
		name  string
		setup func(t *testing.T) (h Handle, call func(ov *windows.Overlapped) error, keep []byte)
		want  func(t *testing.T, err error, internal uint32)
	}
	scenarios := []scenario{
		{"sync failure", func(t *testing.T) (Handle, func(*windows.Overlapped) error, []byte) {
			file := openFile(t, filepath.Join(t.TempDir(), "f"))
			buf, done := make([]byte, 16), new(uint32)
			return file, func(ov *windows.Overlapped) error {
				// ReadFile at offset -1 of a file fails at once.
				ov.Offset, ov.OffsetHigh = ^uint32(0), ^uint32(0)
				return windows.ReadFile(file, buf, done, ov)
			}, buf
		}, func(t *testing.T, err error, internal uint32) {
			if err == nil || err == windows.ERROR_IO_PENDING {
				t.Fatalf("the call returned %v, want a synchronous failure", err)
			}
			if internal != iocp.StatusPending {
				t.Fatalf("after the failure the OVERLAPPED says %#x, want STATUS_PENDING", internal)
			}
		}},
		{"pending", func(t *testing.T) (Handle, func(*windows.Overlapped) error, []byte) {
			srv, _ := pipePair(t, false)
			buf, done := make([]byte, 16), new(uint32)
			return srv, func(ov *windows.Overlapped) error { return windows.ReadFile(srv, buf, done, ov) }, buf
		}, func(t *testing.T, err error, internal uint32) {
			if err != windows.ERROR_IO_PENDING {
				t.Fatalf("the read of an empty pipe returned %v", err)
			}
		}},
		{"sync success", func(t *testing.T) (Handle, func(*windows.Overlapped) error, []byte) {
			srv, cli := pipePair(t, false)
			syncWrite(t, cli, []byte("data"))
			buf, done := make([]byte, 16), new(uint32)
			return srv, func(ov *windows.Overlapped) error { return windows.ReadFile(srv, buf, done, ov) }, buf
		}, func(t *testing.T, err error, internal uint32) {
			if err != nil {
				t.Fatalf("the read of a pipe with data returned %v", err)
			}
		}},
	}
	modes := []struct {
		name string
		run  func(t *testing.T, e *Engine, r Request)
	}{
		{"Do", func(t *testing.T, e *Engine, r Request) { e.Do(testCtx(t), r) }},
		{"Start", func(t *testing.T, e *Engine, r Request) { e.Start(testCtx(t), r) }},
		// In a batch, beside a read that pends (started before) and a Nop (never started).
		{"DoBatch", func(t *testing.T, e *Engine, r Request) {
			srv, _ := pipePair(t, false)
			reqs := []Request{ReadAt(srv, make([]byte, 8), 0), r, Nop()}
			e.DoBatch(testCtx(t), reqs, make([]Result, len(reqs)))
		}},
		{"StartBatch", func(t *testing.T, e *Engine, r Request) {
			srv, _ := pipePair(t, false)
			e.StartBatch(testCtx(t), []Request{ReadAt(srv, make([]byte, 8), 0), r, Nop()})
		}},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			for _, sc := range scenarios {
				t.Run(sc.name, func(t *testing.T) {
					e, _ := testEngine(t)
					h, call, keep := sc.setup(t)
					var (
						callErr  error
						internal uint32
					)
					r := Overlapped(h, func(ov *windows.Overlapped) error {
						callErr = call(ov)
						internal = uint32(ov.Internal)
						panic("boom")
					}, keep)
					mustPanic(t, "boom", func() { m.run(t, e, r) })
					sc.want(t, callErr, internal)
					settled(t, e)
					// Only the op settled on CancelIoEx finding nothing is kept out of the pool.
					wantRetired := int64(0)
					if sc.name == "sync failure" {
						wantRetired = 1
					}
					if got := e.ops.retired.Load(); got != wantRetired {
						t.Errorf("%d ops retired, want %d", got, wantRetired)
					}
					// The engine works on, with the ops the panic returned to the pool.
					if _, err := e.Do(testCtx(t), Nop()); err != nil {
						t.Fatal(err)
					}
				})
			}
		})
	}
}
