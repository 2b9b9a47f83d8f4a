//go:build unix

package ovio

import (
	"context"
	"errors"
	"io/fs"
	"syscall"

	"golang.org/x/sys/unix"
)

// oDirectory is O_DIRECTORY, with which os.ReadDir opens a directory.
const oDirectory = syscall.O_DIRECTORY

// errNoSeek is the error of a positional read or write on a file without offsets.
var errNoSeek error = syscall.ESPIPE

// openHandle opens name with an openat op, or with openat(2) on an engine without one.
func openHandle(e *Engine, name string, flag int, perm fs.FileMode) (Handle, error) {
	return openat(e, context.Background(), unix.AT_FDCWD, name, flag, syscallMode(perm))
}

// openat opens name relative to dir: an op where the engine has it, else the system call.
// The error is the native one, or an *OpError for an op that failed otherwise.
func openat(e *Engine, ctx context.Context, dir Handle, name string, flag int, mode uint32) (Handle, error) {
	fd, err := e.Do(ctx, Openat(dir, name, flag, mode))
	if err == nil {
		return fd, nil
	}
	if errors.Is(err, ErrNotSupported) {
		for {
			fd, err = unix.Openat(dir, name, flag|unix.O_CLOEXEC, mode)
			if err != unix.EINTR {
				return fd, err
			}
		}
	}
	return -1, nativeErr(err)
}

// nativeErr returns the native error of an op's *OpError, or err itself if the op failed for
// another reason.
func nativeErr(err error) error {
	if oe, ok := err.(*OpError); ok && oe.Cause == nil {
		if errno, ok := oe.Err.(syscall.Errno); ok {
			return errno
		}
	}
	return err
}

// closeHandle closes h with a close op, or with close(2) if the engine could not run the op (it
// is closed, or lacks the op): the descriptor must not leak.
func closeHandle(e *Engine, h Handle) error {
	_, err := e.Do(context.Background(), Close(h))
	if err == nil {
		return nil
	}
	var oe *OpError
	if errors.As(err, &oe) && oe.Cause == nil {
		if errno, ok := oe.Err.(syscall.Errno); ok && !isCancelError(errno) {
			return errno // the kernel ran the close: the descriptor is gone, as after close(2)
		}
	}
	return closeHandleNow(h)
}

// closeHandleNow closes h with close(2).
func closeHandleNow(h Handle) error { return unix.Close(h) }

// handleSeekable reports whether h has offsets: lseek fails on pipes, sockets and terminals.
func handleSeekable(h Handle) bool {
	_, err := unix.Seek(h, 0, unixSeekCur)
	return err == nil
}

const unixSeekCur = 1

// seekHandle is lseek(2).
func seekHandle(h Handle, offset int64, whence int) (int64, error) {
	return unix.Seek(h, offset, whence)
}

// syncRequest is the op of Sync.
func syncRequest(h Handle) Request { return Fsync(h) }

// isEOF reports whether an op's error means end of file: never on Unix, where that is a count of 0.
func isEOF(err error) bool { return false }

// syscallMode turns a FileMode into open(2)'s mode bits, as os does.
func syscallMode(m fs.FileMode) uint32 {
	o := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		o |= syscall.S_ISUID
	}
	if m&fs.ModeSetgid != 0 {
		o |= syscall.S_ISGID
	}
	if m&fs.ModeSticky != 0 {
		o |= syscall.S_ISVTX
	}
	return o
}
