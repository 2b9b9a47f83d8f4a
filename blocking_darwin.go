package ovio

import (
	"syscall"

	"golang.org/x/sys/unix"
)

func readv(fd int, bufs [][]byte) (int, error)  { return unix.Readv(fd, bufs) }
func writev(fd int, bufs [][]byte) (int, error) { return unix.Writev(fd, bufs) }

func preadv(fd int, bufs [][]byte, off int64) (int, error)  { return unix.Preadv(fd, bufs, off) }
func pwritev(fd int, bufs [][]byte, off int64) (int, error) { return unix.Pwritev(fd, bufs, off) }

// fsync flushes fd as os.File.Sync does on macOS, for Fsync and Fdatasync alike: fsync(2) there
// leaves the data in the drive's cache, F_FULLFSYNC asks the drive to write it, which both ops
// promise. A file system that refuses F_FULLFSYNC (SMB) gets fsync(2).
func fsync(fd int, datasync bool) error {
	_, err := unix.FcntlInt(uintptr(fd), unix.F_FULLFSYNC, 0)
	if err == syscall.ENOTSUP {
		err = unix.Fsync(fd)
	}
	return err
}
