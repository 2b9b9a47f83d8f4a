//go:build unix && !linux && !darwin

package ovio

// Vectored reads and writes for the systems whose x/sys/unix lacks preadv and readv.

import "golang.org/x/sys/unix"

// preadvLoop reads into bufs in turn from offset off, one pread each, and stops at a short
// read: preadv(2) for systems whose x/sys lacks it, though not in one call.
func preadvLoop(fd int, bufs [][]byte, off int64) (int, error) {
	return vecLoop(unix.Pread, fd, bufs, off)
}

// pwritevLoop is preadvLoop's counterpart for pwrite.
func pwritevLoop(fd int, bufs [][]byte, off int64) (int, error) {
	return vecLoop(unix.Pwrite, fd, bufs, off)
}

// vecLoop moves bufs in turn with one call each, from offset off, and stops at a short count; an
// error after some bytes is a short count, as preadv(2) reports it.
func vecLoop(call func(int, []byte, int64) (int, error), fd int, bufs [][]byte, off int64) (int, error) {
	total := 0
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		n, err := call(fd, b, off+int64(total))
		if err != nil {
			if total > 0 {
				return total, nil
			}
			return 0, err
		}
		total += n
		if n < len(b) {
			break
		}
	}
	return total, nil
}

// firstBuf returns the first non-empty buffer of bufs: a stream is read or written one call at
// a time, since a second call could block where the first did not; a short count is allowed.
func firstBuf(bufs [][]byte) []byte {
	for _, b := range bufs {
		if len(b) > 0 {
			return b
		}
	}
	return nil
}
