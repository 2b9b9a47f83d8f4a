//go:build unix

package ovio

import (
	"context"
	"errors"
	"io"
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

// seekHandle is lseek(2). own (the File keeps the offset) makes no difference: the kernel's
// position follows.
func seekHandle(h Handle, offset int64, whence int, own bool) (int64, error) {
	return unix.Seek(h, offset, whence)
}

// appendEnd is never called on Unix, where Read and Write of a file opened with O_APPEND use the
// kernel's position (ownOffsets is false).
func appendEnd(h Handle) (int64, error) { return unix.Seek(h, 0, io.SeekEnd) }

// streamRead and streamWrite are the requests of Read and Write on a file without offsets: at the
// kernel's position.
func streamRead(h Handle, p []byte) Request  { return Read(h, p) }
func streamWrite(h Handle, p []byte) Request { return Write(h, p) }

// emptyReads is false: a Read of no bytes returns 0, nil at once, as os's does on Unix.
const emptyReads = false

// ownOffsets is false: files opened with O_APPEND use the kernel's position, which every write
// moves to the end.
const ownOffsets = false

// sync is Sync's work: an fsync op.
func (f *File) sync(ctx context.Context) error {
	_, err := f.e.Do(ctx, Fsync(f.h))
	return err
}

// isEOF reports whether an op's error means end of file: never on Unix, where that is a count of 0.
func isEOF(err error) bool { return false }
