package ovio

import (
	"errors"
	"fmt"
	"strings"
	"syscall"

	"golang.org/x/sys/windows"
)

// isCancelError reports whether a native error says the op was cancelled: ERROR_OPERATION_ABORTED,
// the Win32 form of STATUS_CANCELLED, which the packet of a cancelled request carries.
func isCancelError(err error) bool { return err == windows.ERROR_OPERATION_ABORTED }

// ErrBoundElsewhere is the cause of the error of an op, or of Engine.Bind, whose handle is
// associated with another I/O completion port: another engine's, or one that code outside ovio
// owns (Go's runtime binds the overlapped handles of os.File and net). A handle is bound to one
// port for the life of its file object, so the op cannot be awaited on this engine; it was not
// started. The error also matches windows.ERROR_INVALID_PARAMETER, what CreateIoCompletionPort
// said.
var ErrBoundElsewhere = errors.New("handle bound to another I/O completion port")

// ErrNotOverlapped is the cause of the error of an op, or of Engine.Bind, whose handle was opened
// without FILE_FLAG_OVERLAPPED: its calls would block instead of completing through the port. The
// op was not started. The error also matches windows.ERROR_INVALID_PARAMETER.
var ErrNotOverlapped = errors.New("handle not opened with FILE_FLAG_OVERLAPPED")

// bindError says why a handle could not be associated with an engine's port.
type bindError struct {
	h      Handle
	why    error // ErrBoundElsewhere or ErrNotOverlapped
	detail string
}

func (e *bindError) Error() string {
	s := fmt.Sprintf("handle %#x: %v", uintptr(e.h), e.why)
	if e.detail != "" {
		s += " (" + e.detail + ")"
	}
	return s
}

func (e *bindError) Unwrap() []error { return []error{e.why, windows.ERROR_INVALID_PARAMETER} }

// HRESULT is the error of an op whose native call returned a failure HRESULT that does not carry a
// Win32 error code. One that does (FACILITY_WIN32, HRESULT_FROM_WIN32) is reported as that code, a
// windows.Errno, so that errors.Is(err, windows.ERROR_ACCESS_DENIED) holds for E_ACCESSDENIED.
type HRESULT int32

// Error returns "HRESULT 0x8xxxxxxx" and the system's message for it, if it has one.
func (hr HRESULT) Error() string {
	s := fmt.Sprintf("HRESULT 0x%08X", uint32(hr))
	if msg := syscall.Errno(uint32(hr)).Error(); !strings.HasPrefix(msg, "winapi error") {
		s += ": " + msg
	}
	return s
}
