package ovio

// The blocking engine's Linux system calls.

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// execSys runs the ops only Linux has.
func execSys(o *op) (n int, err error) {
	r := o.req
	for {
		switch r.code {
		case opStatx:
			err = unix.Statx(r.h, r.path, int(r.flags), int(r.mode), r.sys.stat)
		case opFallocate:
			err = unix.Fallocate(r.h, r.mode, r.off, r.length)
		default:
			return 0, notSupported(opNames[r.code] + " on the blocking engine")
		}
		if err != syscall.EINTR {
			return 0, err
		}
	}
}

// streamSys reads or writes at the current position without blocking (RWF_NOWAIT), which
// answers at once from a ready descriptor, in blocking mode or not, and reports ready = false
// for one that is not ready. A file that cannot say "not ready" that way (EOPNOTSUPP: a
// terminal, procfs) takes the portable path.
func (w *worker) streamSys(o *op, write bool, bufs [][]byte) (n int, err error, ready bool) {
	if w.d.pollOnly {
		return w.pollStream(o, write, bufs)
	}
	fd := o.req.h
	for {
		n, err = faultNowait(fd, bufs, write)
		switch err {
		case nil:
			return n, nil, true
		case syscall.EINTR:
		case syscall.EAGAIN:
			if blocksOnDisk(fd) {
				// A regular file or a block device whose data is not in memory: nothing to
				// poll for. Read it plainly.
				n, err = plain(fd, write, bufs)
				return n, err, true
			}
			return 0, nil, false
		case syscall.EOPNOTSUPP, syscall.EINVAL, syscall.ENOSYS:
			// No RWF_NOWAIT for this file (or this kernel): poll(2) and the plain call say
			// what there is to say.
			return w.pollStream(o, write, bufs)
		default:
			return 0, err, true
		}
	}
}

// blocksOnDisk reports whether fd is a regular file or a block device: what poll always calls
// ready.
func blocksOnDisk(fd int) bool {
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil {
		return false
	}
	t := st.Mode & unix.S_IFMT
	return t == unix.S_IFREG || t == unix.S_IFBLK
}

// nowait reads or writes at the current position with RWF_NOWAIT: EAGAIN if it would block.
func nowait(fd int, bufs [][]byte, write bool) (int, error) {
	if write {
		return unix.Pwritev2(fd, bufs, -1, unix.RWF_NOWAIT)
	}
	return unix.Preadv2(fd, bufs, -1, unix.RWF_NOWAIT)
}

// plain reads or writes at the current position, blocking.
func plain(fd int, write bool, bufs [][]byte) (int, error) {
	for {
		var n int
		var err error
		if write {
			n, err = writev(fd, bufs)
		} else {
			n, err = readv(fd, bufs)
		}
		if err != syscall.EINTR {
			return n, err
		}
	}
}

func readv(fd int, bufs [][]byte) (int, error)  { return unix.Readv(fd, bufs) }
func writev(fd int, bufs [][]byte) (int, error) { return unix.Writev(fd, bufs) }

func preadv(fd int, bufs [][]byte, off int64) (int, error)  { return unix.Preadv(fd, bufs, off) }
func pwritev(fd int, bufs [][]byte, off int64) (int, error) { return unix.Pwritev(fd, bufs, off) }

func fsync(fd int, datasync bool) error {
	if datasync {
		return unix.Fdatasync(fd)
	}
	return unix.Fsync(fd)
}

// newWakeFD returns an eventfd, which a write makes readable until a read drains it.
func newWakeFD() (wakeFD, error) {
	fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return noWakeFD, err
	}
	return wakeFD{fd, fd}, nil
}

// setTry gives the engine the first attempt that reads and writes marked rwNowait (File's) make
// without an op, as the io_uring engine does (see tryNowait). A worker costs two goroutine
// hand-offs besides the system call.
func (d *blockingDriver) setTry() { d.e.try = tryNowait }
