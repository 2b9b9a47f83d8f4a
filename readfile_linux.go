package ovio

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"slices"
	"sync"

	"golang.org/x/sys/unix"
)

// readFile is os.ReadFile as ops, in three submissions for a small regular file where os makes
// five system calls:
//
//  1. openat, and a statx of the same path for the type and size: submitted together. The size
//     is only a hint, as it is for os.
//  2. for a regular file, a read of that size at 0 and a read of 1 byte past it, submitted
//     together: a full first read and an empty second one are the file, read to its end.
//  3. close.
//
// A file that is not what its size says (it grew, it shrank, /proc reports 0) is read on as
// os.ReadFile reads it, until a read returns 0 bytes. Anything but a regular file (a FIFO, a
// device, a directory) is read as os reads it, one read at a time at the file's position: two
// reads in flight at once on a pipe could take its bytes out of order. A regular file renamed
// over by a FIFO between the statx and the openat of step 1 would be read as a regular file.
func (e *Engine) readFile(name string) ([]byte, error) {
	ctx := context.Background()
	s := readFilePool.Get().(*readFileScratch)
	s.reqs[0] = Openat(unix.AT_FDCWD, name, os.O_RDONLY, 0)
	s.reqs[1] = Statx(unix.AT_FDCWD, name, 0, unix.STATX_TYPE|unix.STATX_SIZE, &s.stx)
	e.DoBatch(ctx, s.reqs[:], s.res[:])
	fdRes, stRes, size, mode, mask := s.res[0], s.res[1], int64(s.stx.Size), s.stx.Mode, s.stx.Mask
	s.put()

	fd := fdRes.N
	if err := fdRes.Err; err != nil {
		if !errors.Is(err, ErrNotSupported) {
			return nil, &fs.PathError{Op: "open", Path: name, Err: nativeErr(err)}
		}
		fd, err = openat(e, ctx, unix.AT_FDCWD, name, os.O_RDONLY, 0)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
	}
	regular := stRes.Err == nil && mask&unix.STATX_TYPE != 0 && mode&unix.S_IFMT == unix.S_IFREG
	if stRes.Err != nil || mask&unix.STATX_SIZE == 0 {
		size = 0 // as os's statOrZero
	}
	data, err := e.readAll(ctx, fd, size, regular)
	closeHandle(e, fd) // as os.ReadFile, which ignores Close's error
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	return data, nil
}

type readFileScratch struct {
	stx  unix.Statx_t
	reqs [2]Request
	res  [2]Result
}

var readFilePool = sync.Pool{New: func() any { return new(readFileScratch) }}

func (s *readFileScratch) put() {
	s.reqs, s.res = [2]Request{}, [2]Result{}
	readFilePool.Put(s)
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
