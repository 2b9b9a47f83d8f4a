package ovio

import (
	"context"
	"io/fs"
	"os"
	"slices"
	"syscall"

	"golang.org/x/sys/unix"
)

// readFile is os.ReadFile with its I/O as ops, in three submissions for a small regular file:
//
//  1. openat, as an op: io_uring looks a cached path up inline, and an uncached one in its own
//     thread.
//  2. for a regular file of known size, a read of that size at 0 and a read of 1 byte past it,
//     submitted together: a full first read and an empty second one are the file, read to its
//     end.
//  3. close, as an op.
//
// The size and type come from fstat(2) of the new descriptor, as os has them: a statx op would
// cost an io-wq thread hop (see stat_linux.go). A file that is not what its size says (it grew,
// it shrank, /proc reports 0) is read on as os.ReadFile reads it, until a read returns 0 bytes.
// Anything but a regular file (a FIFO, a device, a directory) is read as os reads it, one read
// at a time at the file's position: two reads in flight at once on a pipe could take its bytes
// out of order.
func (e *Engine) readFile(name string) ([]byte, error) {
	ctx := context.Background()
	fd, err := openat(e, ctx, unix.AT_FDCWD, name, os.O_RDONLY, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	var st syscall.Stat_t
	size, regular := int64(0), false // as os's statOrZero
	if fstat(fd, &st) == nil {
		size, regular = st.Size, st.Mode&syscall.S_IFMT == syscall.S_IFREG
	}
	data, err := e.readAll(ctx, fd, size, regular)
	closeHandle(e, fd) // as os.ReadFile, which ignores Close's error
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	return data, nil
}

// readAll reads fd to its end, as os's readFileContents does, given its stat size: at offsets
// for a regular file, at the file's position otherwise.
func (e *Engine) readAll(ctx context.Context, fd Handle, size int64, regular bool) ([]byte, error) {
	const minBuf = 512 // as os: /proc files report size 0 and want whole reads
	n := 0
	if int64(int(size)) == size && size > 0 {
		n = int(size)
	}
	data := make([]byte, 0, max(n+1, minBuf))
	if n > 0 && regular {
		var res [2]Result
		e.DoBatch(ctx, []Request{ReadAt(fd, data[:n], 0), ReadAt(fd, data[n:n+1], int64(n))}, res[:])
		if res[0].Err != nil {
			return nil, nativeErr(res[0].Err)
		}
		data = data[:res[0].N]
		if res[0].N < n {
			// Shorter than it said: go on from there, and forget the read past the end.
		} else if res[1].Err == nil && res[1].N == 0 {
			return data, nil
		} else if res[1].Err == nil {
			data = data[:n+1]
		}
	}
	for {
		if len(data) == cap(data) || (size == 0 && cap(data)-len(data) < minBuf) {
			data = slices.Grow(data, minBuf)
		}
		r := Read(fd, data[len(data):cap(data)])
		if regular {
			r = ReadAt(fd, data[len(data):cap(data)], int64(len(data)))
		}
		m, err := e.Do(ctx, r)
		if err != nil {
			return nil, nativeErr(err)
		}
		if m == 0 {
			return data, nil
		}
		data = data[:len(data)+m]
	}
}
