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

// A non-blocking attempt is not free where it fails: on a page the cache lacks, preadv2 with
// RWF_NOWAIT starts the device read (allocates the page, submits the I/O) before it says
// EAGAIN, measured at ~30 µs here against ~0.5 µs for a cached page, and it runs as a raw
// system call, holding the goroutine's P all along. 10 000 goroutines reading uncached pages
// through File took 3-4 times as long as the same reads straight through the ring. So each
// descriptor (hashed into a small table: a collision only shares a guess) counts its attempts
// that failed in a row; from nowaitColdAfter of them on, only one attempt in nowaitProbeEvery
// is made, the rest go straight to the engine, until an attempt succeeds. A cached read leaves
// its slot at 0 and only reads it.
const (
	nowaitSlots      = 1024
	nowaitColdAfter  = 4
	nowaitProbeEvery = 16
)

var nowaitMisses [nowaitSlots]struct {
	n atomic.Uint32
	_ [60]byte // a slot to a cache line: readers of different files do not share
}

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
	miss := &nowaitMisses[uint32(h)%nowaitSlots].n
	m := miss.Load()
	if m >= nowaitColdAfter && miss.Add(1)%nowaitProbeEvery != 0 {
		return 0, nil, false // cold of late: straight to the engine
	}
	var n int
	var errno syscall.Errno
	if code == opRead {
		n, errno = uring.PreadNowait(int32(h), buf, off)
	} else {
		n, errno = uring.PwriteNowait(int32(h), buf, off)
	}
	switch {
	case errno == syscall.EAGAIN:
		if m < nowaitColdAfter {
			miss.Add(1)
		}
	case m != 0:
		miss.Store(0) // it answered, or failed for another reason: warm again
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
