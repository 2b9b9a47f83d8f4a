package ovio

import (
	"sync/atomic"
	"syscall"

	"github.com/ovio/ovio/internal/uring"
)

// noNowait latches a kernel without preadv2 or RWF_NOWAIT: tryNowait then answers nothing. That
// is the kernel's, so the process's, not an engine's.
var noNowait atomic.Bool

// noNowaitWrite latches a file system that cannot write without waiting (EOPNOTSUPP: ext4's
// buffered writes, for one): every attempt would be a wasted system call. It is per process, not
// per file system, so a process writing to ext4 and XFS gives up the attempt on both.
var noNowaitWrite atomic.Bool

// tryNowait is Engine.try on Linux, for both engines: a read or write marked rwNowait (a File's,
// whose descriptor is not O_DIRECT) first tries the page cache with RWF_NOWAIT, in the caller's
// goroutine, without an op. It costs one system call, as os.File's pread does, where a trip
// through the ring costs a submission, a completion and a hand-off, and a worker costs two
// hand-offs. What would block, and the rest of a partial transfer at an offset, still goes
// through the engine.
func tryNowait(code opCode, h Handle, buf []byte, off int64) (int, error, bool) {
	if noNowait.Load() || (code != opRead && (code != opWrite || noNowaitWrite.Load())) {
		return 0, nil, false
	}
	var n int
	var errno syscall.Errno
	if code == opRead {
		n, errno = uring.PreadNowait(int32(h), buf, off)
	} else {
		n, errno = uring.PwriteNowait(int32(h), buf, off)
	}
	switch errno {
	case 0:
		// All of it, the end of the file, or a position we cannot continue from: done. Else
		// the rest would have blocked: the engine moves it.
		if n == len(buf) || n == 0 || off == curPos {
			return n, nil, true
		}
		return n, nil, false
	case syscall.EOPNOTSUPP:
		if code == opWrite {
			noNowaitWrite.Store(true)
		}
		return 0, nil, false
	case syscall.EAGAIN, syscall.EINTR:
		return 0, nil, false
	case syscall.ENOSYS, syscall.EINVAL:
		noNowait.Store(true) // no preadv2, or no RWF_NOWAIT (before Linux 4.14)
		return 0, nil, false
	}
	return 0, errno, true
}
