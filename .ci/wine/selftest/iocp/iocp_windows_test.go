//go:build windows

package iocp

import (
	"errors"
	"path/filepath"
	"testing"

	"golang.org/x/sys/windows"
)

func newPort(t *testing.T) windows.Handle {
	t.Helper()
	port, err := windows.CreateIoCompletionPort(windows.InvalidHandle, 0, 0, 1)
	if err != nil {
		t.Fatalf("CreateIoCompletionPort: %v", err)
	}
	t.Cleanup(func() { windows.CloseHandle(port) })
	return port
}

func TestPostAndGet(t *testing.T) {
	port := newPort(t)
	var ov windows.Overlapped
	if err := windows.PostQueuedCompletionStatus(port, 42, 7, &ov); err != nil {
		t.Fatalf("PostQueuedCompletionStatus: %v", err)
	}
	var (
		n   uint32
		key uintptr
		got *windows.Overlapped
	)
	if err := windows.GetQueuedCompletionStatus(port, &n, &key, &got, 5000); err != nil {
		t.Fatalf("GetQueuedCompletionStatus: %v", err)
	}
	if n != 42 || key != 7 || got != &ov {
		t.Fatalf("got (%d, %d, %p), want (42, 7, %p)", n, key, got, &ov)
	}
}

func TestGetTimesOut(t *testing.T) {
	port := newPort(t)
	var (
		n   uint32
		key uintptr
		got *windows.Overlapped
	)
	err := windows.GetQueuedCompletionStatus(port, &n, &key, &got, 10)
	if !errors.Is(err, windows.WAIT_TIMEOUT) || got != nil {
		t.Fatalf("GetQueuedCompletionStatus on an empty port = %v, %p; want WAIT_TIMEOUT, nil", err, got)
	}
}

// Overlapped file I/O whose completions arrive on the port.
func TestOverlappedFileIO(t *testing.T) {
	port := newPort(t)
	name, err := windows.UTF16PtrFromString(filepath.Join(t.TempDir(), "iocp.bin"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := windows.CreateFile(name, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil,
		windows.CREATE_ALWAYS, windows.FILE_FLAG_OVERLAPPED, 0)
	if err != nil {
		t.Fatalf("CreateFile: %v", err)
	}
	defer windows.CloseHandle(h)
	if _, err := windows.CreateIoCompletionPort(h, port, 99, 0); err != nil {
		t.Fatalf("associating the file: %v", err)
	}

	wait := func(want *windows.Overlapped) uint32 {
		t.Helper()
		var (
			n   uint32
			key uintptr
			got *windows.Overlapped
		)
		if err := windows.GetQueuedCompletionStatus(port, &n, &key, &got, 5000); err != nil {
			t.Fatalf("GetQueuedCompletionStatus: %v", err)
		}
		if key != 99 || got != want {
			t.Fatalf("completion key %d overlapped %p, want 99 %p", key, got, want)
		}
		return n
	}

	// x/sys/windows' ReadFile and WriteFile dereference done in -race
	// builds, so it must not be nil even for overlapped I/O.
	var done uint32
	data := []byte("completion ports under wine")
	var wov windows.Overlapped
	if err := windows.WriteFile(h, data, &done, &wov); err != nil && err != windows.ERROR_IO_PENDING {
		t.Fatalf("WriteFile: %v", err)
	}
	if n := wait(&wov); n != uint32(len(data)) {
		t.Fatalf("wrote %d bytes, want %d", n, len(data))
	}

	buf := make([]byte, 64)
	var rov windows.Overlapped // Offset 0
	if err := windows.ReadFile(h, buf, &done, &rov); err != nil && err != windows.ERROR_IO_PENDING {
		t.Fatalf("ReadFile: %v", err)
	}
	n := wait(&rov)
	if string(buf[:n]) != string(data) {
		t.Fatalf("read %q, want %q", buf[:n], data)
	}
}
