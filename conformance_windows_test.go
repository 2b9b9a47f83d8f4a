package ovio_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/ovio/ovio"
	"golang.org/x/sys/windows"
)

// The native codes the conformance suite expects here.
var (
	badHandle      = ovio.Handle(windows.InvalidHandle)
	errBadHandle   = windows.ERROR_INVALID_HANDLE
	nativeCanceled = windows.ERROR_OPERATION_ABORTED
)

const readOpName = "ReadFile"

// engineKinds lists the engines the conformance suite runs against on this platform.
func engineKinds(t *testing.T) []string { return []string{"iocp"} }

// tempFile returns a handle to a new empty file opened for overlapped I/O, which the IOCP engine
// needs; the test's end closes it.
func tempFile(t testing.TB, e *ovio.Engine) ovio.Handle {
	t.Helper()
	p, err := windows.UTF16PtrFromString(filepath.Join(t.TempDir(), "ovio"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := windows.CreateFile(p, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil,
		windows.CREATE_NEW, windows.FILE_FLAG_OVERLAPPED, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { windows.CloseHandle(h) })
	return h
}

var (
	pipes atomic.Int64
	feeds atomic.Pointer[windows.Overlapped] // makes feed's OVERLAPPED escape to the heap
)

// pending is a source whose reads pend until fed: a named pipe here, read at its server end and
// fed at its client end, both overlapped.
type pending struct{ srv, cli windows.Handle }

func newPending(t testing.TB, e *ovio.Engine) *pending {
	t.Helper()
	name, err := windows.UTF16PtrFromString(fmt.Sprintf(`\\.\pipe\ovio-conformance-%d-%d`, os.Getpid(), pipes.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := windows.CreateNamedPipe(name, windows.PIPE_ACCESS_DUPLEX|windows.FILE_FLAG_OVERLAPPED,
		windows.PIPE_TYPE_BYTE|windows.PIPE_READMODE_BYTE, 1, 1<<16, 1<<16, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	cli, err := windows.CreateFile(name, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil,
		windows.OPEN_EXISTING, windows.FILE_FLAG_OVERLAPPED, 0)
	if err != nil {
		windows.CloseHandle(srv)
		t.Fatal(err)
	}
	t.Cleanup(func() { windows.CloseHandle(cli); windows.CloseHandle(srv) })
	return &pending{srv, cli}
}

func (p *pending) read(buf []byte) ovio.Request { return ovio.Read(p.srv, buf) }

// feed writes data to the pipe outside the engine and waits for the write.
func (p *pending) feed(data []byte) {
	ev, err := windows.CreateEvent(nil, 1, 0, nil)
	if err != nil {
		panic(err)
	}
	defer windows.CloseHandle(ev)
	// The low bit of hEvent keeps this write's completion off the port the client end may be
	// bound to.
	// On the heap: the write may complete after the call returns, and a goroutine's stack moves.
	ov := new(windows.Overlapped)
	feeds.Store(ov)
	ov.HEvent = ev | 1
	var n uint32
	err = windows.WriteFile(p.cli, data, &n, ov)
	if err == windows.ERROR_IO_PENDING {
		err = windows.GetOverlappedResult(p.cli, ov, &n, true)
	}
	if err != nil || int(n) != len(data) {
		panic(fmt.Sprintf("feed: wrote %d of %d bytes: %v", n, len(data), err))
	}
}
