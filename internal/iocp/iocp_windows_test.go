//go:build windows

package iocp

import (
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"
)

var sink sync.Map // makes what tests store in it escape to the heap

func newPort(t *testing.T) windows.Handle {
	t.Helper()
	port, err := windows.CreateIoCompletionPort(windows.InvalidHandle, 0, 0, 1)
	if err != nil {
		t.Fatalf("CreateIoCompletionPort: %v", err)
	}
	t.Cleanup(func() { windows.CloseHandle(port) })
	return port
}

func openFile(t *testing.T, path string, flags uint32) windows.Handle {
	t.Helper()
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		t.Fatal(err)
	}
	h, err := windows.CreateFile(p, windows.GENERIC_READ|windows.GENERIC_WRITE,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, nil, windows.OPEN_ALWAYS, flags, 0)
	if err != nil {
		t.Fatalf("CreateFile %s: %v", path, err)
	}
	t.Cleanup(func() { windows.CloseHandle(h) })
	return h
}

func TestGetQueuedCompletionStatusEx(t *testing.T) {
	port := newPort(t)
	// On the heap: a stack OVERLAPPED moves when the goroutine's stack grows, which would make
	// the addresses the packets carry differ from Addr's.
	ovs := new([3]windows.Overlapped)
	sink.Store("ovs", ovs)
	for i := range ovs {
		if err := windows.PostQueuedCompletionStatus(port, uint32(10+i), uintptr(100+i), &ovs[i]); err != nil {
			t.Fatal(err)
		}
	}
	// A packet that carries no valid pointer: the entry holds it as a plain address.
	if err := windows.PostQueuedCompletionStatus(port, 0, 7, (*windows.Overlapped)(nil)); err != nil {
		t.Fatal(err)
	}
	entries := make([]OverlappedEntry, 8)
	n, err := GetQueuedCompletionStatusEx(port, entries, 5000)
	if err != nil || n != 4 {
		t.Fatalf("GetQueuedCompletionStatusEx = %d, %v; want 4 packets", n, err)
	}
	for i := range 3 {
		e := entries[i]
		if e.CompletionKey != uintptr(100+i) || e.Overlapped != Addr(&ovs[i]) || e.NumberOfBytesTransferred != uint32(10+i) || e.Internal != 0 {
			t.Errorf("entry %d = %+v; want key %d, overlapped %#x, %d bytes, status 0", i, e, 100+i, Addr(&ovs[i]), 10+i)
		}
	}
	if e := entries[3]; e.CompletionKey != 7 || e.Overlapped != 0 {
		t.Errorf("entry 3 = %+v, want key 7 and no OVERLAPPED", e)
	}
	if _, err := GetQueuedCompletionStatusEx(port, entries, 10); err != windows.WAIT_TIMEOUT {
		t.Errorf("empty port: %v, want WAIT_TIMEOUT", err)
	}
	if _, err := GetQueuedCompletionStatusEx(port, nil, 0); err != windows.ERROR_INVALID_PARAMETER {
		t.Errorf("no entries: %v, want ERROR_INVALID_PARAMETER", err)
	}
}

func TestFileModeAndDissociate(t *testing.T) {
	dir := t.TempDir()
	sync := openFile(t, filepath.Join(dir, "sync"), 0)
	async := openFile(t, filepath.Join(dir, "async"), windows.FILE_FLAG_OVERLAPPED)
	if m, err := FileMode(sync); err != nil || m&(windows.FILE_SYNCHRONOUS_IO_ALERT|windows.FILE_SYNCHRONOUS_IO_NONALERT) == 0 {
		t.Errorf("FileMode(synchronous handle) = %#x, %v; want a FILE_SYNCHRONOUS_IO flag", m, err)
	}
	if m, err := FileMode(async); err != nil || m&(windows.FILE_SYNCHRONOUS_IO_ALERT|windows.FILE_SYNCHRONOUS_IO_NONALERT) != 0 {
		t.Errorf("FileMode(overlapped handle) = %#x, %v; want no FILE_SYNCHRONOUS_IO flag", m, err)
	}

	port, other := newPort(t), newPort(t)
	if _, err := windows.CreateIoCompletionPort(async, port, 1, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := windows.CreateIoCompletionPort(async, other, 1, 0); err != windows.ERROR_INVALID_PARAMETER {
		t.Fatalf("binding a bound handle again: %v, want ERROR_INVALID_PARAMETER", err)
	}
	err := Dissociate(async)
	var st windows.NTStatus
	if errors.As(err, &st) && (uint32(st) == StatusNotImplemented || uint32(st) == StatusInvalidInfo) {
		t.Skipf("FileReplaceCompletionInformation unsupported (%#x): Wine 8 does not implement it, Windows before 8.1 lacks it", uint32(st))
	}
	if err != nil {
		t.Fatalf("Dissociate: %v", err)
	}
	if _, err := windows.CreateIoCompletionPort(async, other, 1, 0); err != nil {
		t.Errorf("binding after Dissociate: %v", err)
	}
}

// TestCfHydratePlaceholderCall checks the argument passing of CfHydratePlaceholder with a stand-in,
// and the missing-DLL path where cldapi.dll is absent (Wine 8).
func TestCfHydratePlaceholderCall(t *testing.T) {
	if err := CfHydratePlaceholderProc().Find(); err != nil {
		_, err2 := CfHydratePlaceholder(windows.InvalidHandle, 0, -1, 0, nil)
		var de *windows.DLLError
		if err2 != windows.ERROR_MOD_NOT_FOUND && !errors.As(err2, &de) {
			t.Errorf("without cldapi.dll: %v, want ERROR_MOD_NOT_FOUND or a *windows.DLLError", err2)
		}
	} else {
		t.Log("cldapi.dll is present; CfHydratePlaceholder is called for real by the engine's tests")
	}

	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("the stand-in below has the 64-bit signature; on 386 each LARGE_INTEGER takes two words")
	}
	var got [5]uintptr
	var calls atomic.Int32
	cb := syscall.NewCallback(func(file, off, length, flags, ov uintptr) uintptr {
		calls.Add(1)
		got = [5]uintptr{file, off, length, flags, ov}
		pending := HRESULTIOPending
		return uintptr(uint32(pending))
	})
	restore := SetCfHydratePlaceholderStandIn(cb)
	defer restore()
	ov := new(windows.Overlapped)
	sink.Store("ov", ov)
	var off int64 = 1<<40 + 5
	hr, err := CfHydratePlaceholder(windows.Handle(0x1234), off, -1, 3, ov)
	if err != nil || hr != HRESULTIOPending || calls.Load() != 1 {
		t.Fatalf("stand-in call = %#x, %v after %d calls", uint32(hr), err, calls.Load())
	}
	want := [5]uintptr{0x1234, uintptr(uint64(off)), ^uintptr(0), 3, Addr(ov)}
	if got != want {
		t.Errorf("stand-in received %#x, want %#x", got, want)
	}
}
