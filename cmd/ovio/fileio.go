package main

import (
	"context"
	"errors"
	"io"
	"io/fs"

	"github.com/ovio/ovio"
)

// ioFile is a file whose reads and writes run as ops on an ovio engine: what bench measures and
// cp copies through. ReadAt and WriteAt have the contract of *os.File's (ReadAt fills p or
// returns an error, io.EOF at the end of the file), with a context that cancels the ops in flight.
// Errors are *fs.PathError values naming the file.
//
// openFile gives one: an *ovio.File, or with fileOpts.ring raw requests on a file's handle.
type ioFile interface {
	ReadAt(ctx context.Context, p []byte, off int64) (int, error)
	WriteAt(ctx context.Context, p []byte, off int64) (int, error)
	// Sync flushes the file's data and metadata to stable storage.
	Sync(ctx context.Context) error
	// Handle is the file's handle, for raw requests (bench's batch mode).
	Handle() ovio.Handle
	Close() error
}

// fileOpts says how openFile opens a file.
type fileOpts struct {
	// ring makes every read and write a raw ovio.ReadAt or ovio.WriteAt request on the file's
	// handle, straight to the engine's queue: none of ovio.File's bookkeeping, nor the first
	// attempt at the page cache that File makes for descriptors not opened O_DIRECT.
	ring bool
}

// rawFile is a file whose reads and writes are raw ovio requests on its handle, each sent
// through the engine's queue.
type rawFile struct {
	e    *ovio.Engine
	h    ovio.Handle
	name string
	c    io.Closer
}

func (f *rawFile) Handle() ovio.Handle { return f.h }

func (f *rawFile) Close() error { return f.c.Close() }

func (f *rawFile) ReadAt(ctx context.Context, p []byte, off int64) (int, error) {
	n := 0
	for n < len(p) {
		m, err := f.e.Do(ctx, ovio.ReadAt(f.h, p[n:], off+int64(n)))
		n += m
		if err != nil {
			return n, pathErr("read", f.name, err)
		}
		if m == 0 {
			return n, io.EOF
		}
	}
	return n, nil
}

func (f *rawFile) WriteAt(ctx context.Context, p []byte, off int64) (int, error) {
	n := 0
	for n < len(p) {
		m, err := f.e.Do(ctx, ovio.WriteAt(f.h, p[n:], off+int64(n)))
		n += m
		if err != nil {
			return n, pathErr("write", f.name, err)
		}
		if m == 0 {
			return n, pathErr("write", f.name, io.ErrShortWrite)
		}
	}
	return n, nil
}

// pathErr names the file in err, an ovio error or another: an *ovio.OpError becomes an
// *fs.PathError with the op's name and its native error, or, if ovio cancelled it, its cause
// (context.Canceled), so that the message reads "read foo: input/output error".
func pathErr(op, name string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return err
	}
	var oe *ovio.OpError
	if errors.As(err, &oe) {
		inner := oe.Err
		if oe.Cause != nil {
			inner = oe.Cause
		}
		return &fs.PathError{Op: oe.Op, Path: name, Err: inner}
	}
	return &fs.PathError{Op: op, Path: name, Err: err}
}
