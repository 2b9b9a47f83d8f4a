package ovio

import (
	"context"
	"errors"
	"io/fs"
)

// ErrClosed is the error of an op started on a closed Engine, and the cause of an op that Close
// cancelled.
var ErrClosed = errors.New("engine closed")

// ErrNotSupported is the error of an op the engine, the kernel or the system cannot do: an io_uring
// opcode this kernel lacks, an SQE prep function on the blocking engine, a Windows API missing from
// its DLL. The OpError's message says what is missing.
var ErrNotSupported = errors.New("not supported")

// OpError is the error of an op that failed. It names the op, like *os.PathError names the
// system call, and wraps the native error: a syscall.Errno on Linux and the other Unixes, a
// windows.Errno on Windows.
//
// An op cancelled by its context has Err set to the native cancellation code (ECANCELED,
// ERROR_OPERATION_ABORTED) and Cause to context.Canceled or context.DeadlineExceeded, so that
// errors.Is holds for both. An op cancelled by Close has Cause ErrClosed. An op whose context was
// done before it started never reached the kernel: its Err is the context's error and Cause is nil.
type OpError struct {
	Op    string // the op, as the system call or API it stands for: "read", "openat", "ReadFile"
	Path  string // the path the op names, if any
	Err   error  // the native error
	Cause error  // why ovio cancelled the op, if it did: context.Canceled, context.DeadlineExceeded or ErrClosed
}

// Error returns "ovio <op> [<path>]: <err>[: <cause>]".
func (e *OpError) Error() string {
	s := "ovio " + e.Op
	if e.Path != "" {
		s += " " + e.Path
	}
	s += ": " + e.Err.Error()
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap returns the native error and, for a cancelled op, its cause.
func (e *OpError) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Err, e.Cause}
	}
	return []error{e.Err}
}

// Timeout reports whether the op failed because a deadline passed.
func (e *OpError) Timeout() bool {
	return errors.Is(e.Cause, context.DeadlineExceeded) || errors.Is(e.Err, context.DeadlineExceeded)
}

// notSupported is the error of an op the system cannot do; it matches ErrNotSupported.
func notSupported(what string) error { return &notSupportedError{what} }

type notSupportedError struct{ what string }

func (e *notSupportedError) Error() string        { return e.what + " is not supported" }
func (e *notSupportedError) Is(target error) bool { return target == ErrNotSupported }

// argError is an argument refused before it reached the kernel. It matches fs.ErrInvalid.
type argError string

func (e argError) Error() string        { return string(e) }
func (e argError) Is(target error) bool { return target == fs.ErrInvalid }

var (
	errNegativeOffset = argError("negative offset")
	errNilRequest     = argError("empty request")
	errShortResults   = argError("results shorter than requests")
)
