//go:build unix && !linux && !darwin && !freebsd

package ovio

import "golang.org/x/sys/unix"

// The other Unixes build the blocking engine from the calls they all have.

func readv(fd int, bufs [][]byte) (int, error)  { return unix.Read(fd, firstBuf(bufs)) }
func writev(fd int, bufs [][]byte) (int, error) { return unix.Write(fd, firstBuf(bufs)) }

func preadv(fd int, bufs [][]byte, off int64) (int, error)  { return preadvLoop(fd, bufs, off) }
func pwritev(fd int, bufs [][]byte, off int64) (int, error) { return pwritevLoop(fd, bufs, off) }

// fsync calls fsync(2) for Fdatasync too.
func fsync(fd int, datasync bool) error { return unix.Fsync(fd) }
