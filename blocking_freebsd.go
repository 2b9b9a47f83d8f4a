package ovio

import "golang.org/x/sys/unix"

func readv(fd int, bufs [][]byte) (int, error)  { return unix.Read(fd, firstBuf(bufs)) }
func writev(fd int, bufs [][]byte) (int, error) { return unix.Write(fd, firstBuf(bufs)) }

func preadv(fd int, bufs [][]byte, off int64) (int, error)  { return preadvLoop(fd, bufs, off) }
func pwritev(fd int, bufs [][]byte, off int64) (int, error) { return pwritevLoop(fd, bufs, off) }

// fsync calls fsync(2), or fdatasync(2) (FreeBSD 11.1), which x/sys/unix lacks here.
func fsync(fd int, datasync bool) error {
	if datasync {
		if _, _, errno := unix.Syscall(unix.SYS_FDATASYNC, uintptr(fd), 0, 0); errno != 0 {
			return errno
		}
		return nil
	}
	return unix.Fsync(fd)
}
