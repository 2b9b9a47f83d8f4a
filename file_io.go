package ovio

import (
	"context"
	"errors"
	"io"
	"io/fs"
)

// Read, Write and Seek use an offset the File keeps, under a mutex, and read and write at it
// with positional ops, as ReadAt and WriteAt do. Three reasons: an overlapped handle on Windows
// has no file position to use; io_uring updates the kernel's position of an op at offset -1
// without the lock read(2) takes, so that concurrent ops on it would interleave badly; and Seek
// and Read then agree on every engine. Files without offsets (pipes, FIFOs, terminals, sockets:
// lseek fails) use the kernel's position instead, as *os.File always does, and so on Unix do
// files opened with O_APPEND, where every write moves the position to the end. Reads and writes
// of a file without offsets take separate locks, so that a read pending on a terminal does not
// hold up a write.
//
// On Windows, where there is no position to use (ownOffsets), a File opened with O_APPEND keeps
// its offset too. Its writes go to the end (WriteFile at offset -1, FILE_WRITE_TO_END_OF_FILE),
// which leaves the offset at the file's end, as os's is after a write; the end is read
// (GetFileSizeEx) only when a Read or Seek needs the offset, or before a Truncate moves the end.
// So an append by another process between this File's write and its next Read moves the File's
// offset too, where os's would stay at the end of its own write.

var (
	// errNegativeOffset is the Err of ReadAt and WriteAt at a negative offset; os has the same
	// message.
	errNegativeOffsetOS = errors.New("negative offset")

	// errWriteAtInAppendMode is WriteAt's error on a file opened with O_APPEND, with the message
	// os has.
	errWriteAtInAppendMode = errors.New("os: invalid use of WriteAt on file opened with O_APPEND")
)

// seekable reports whether the file has offsets: a regular file, a directory or a block device
// does, a pipe or a terminal does not. The first call asks the system.
func (f *File) seekable() bool {
	s := f.seek.Load()
	if s == seekUnknown {
		s = seekNo
		if handleSeekable(f.h) {
			s = seekYes
		}
		f.seek.Store(s)
	}
	return s == seekYes
}

// positional reports whether Read and Write go through f.pos.
func (f *File) positional() bool { return (ownOffsets || !f.append) && f.seekable() }

// offset returns f.pos, the offset of the next Read or Write, first reading the file's end if an
// append left it there; f.mu is held.
func (f *File) offset() (int64, error) {
	if f.atEnd {
		end, err := appendEnd(f.h)
		if err != nil {
			return 0, err
		}
		f.pos, f.atEnd = end, false
	}
	return f.pos, nil
}

// readLock returns the lock a Read must hold.
func (f *File) readLock() ctxMutex {
	if f.seekable() {
		return f.mu
	}
	return f.rmu
}

// writeLock returns the lock a Write must hold.
func (f *File) writeLock() ctxMutex {
	if f.seekable() {
		return f.mu
	}
	return f.wmu
}

// lockErr is the error of a call whose context ended while it waited for its turn: as for an
// op whose context ended before it started.
func lockErr(op string, err error) error { return &OpError{Op: op, Err: err} }

// Read reads up to len(p) bytes from the file at its offset and advances the offset, as
// (*os.File).Read does. At end of file it returns 0, io.EOF.
func (f *File) Read(p []byte) (int, error) { return f.ReadContext(context.Background(), p) }

// ReadContext is Read with a context that can cancel the op. A cancelled read returns an error
// for which errors.Is(err, ctx.Err()) holds and reads nothing.
func (f *File) ReadContext(ctx context.Context, p []byte) (n int, err error) {
	if f == nil {
		return 0, fs.ErrInvalid
	}
	if !f.ref.acquire() {
		return 0, f.pathErr("read", fs.ErrClosed)
	}
	defer f.ref.release()
	if len(p) == 0 && !emptyReads {
		return 0, nil
	}
	octx, done := f.opCtx(ctx)
	mu := f.readLock()
	if err = mu.lock(octx); err == nil {
		n, err = f.read(octx, p)
		mu.unlock()
	} else {
		err = lockErr("read", err)
	}
	if done != nil {
		done()
	}
	switch {
	case err != nil && isEOF(err):
		return 0, io.EOF
	case err != nil:
		return 0, f.wrapErr("read", ctx, err)
	case n == 0 && len(p) > 0:
		return 0, io.EOF
	}
	return n, nil
}

// read is one read at the File's offset, or the kernel's; its lock is held.
func (f *File) read(ctx context.Context, p []byte) (n int, err error) {
	if f.positional() {
		var off int64
		if off, err = f.offset(); err != nil {
			return 0, err
		}
		n, err = f.e.Do(ctx, f.readAtReq(p, off))
		if err == nil {
			f.pos += int64(n)
		}
		return n, err
	}
	return f.e.Do(ctx, f.readReq(p))
}

// ReadAt reads len(p) bytes from the file at offset off, as (*os.File).ReadAt does: it keeps
// reading after a short count, and returns a non-nil error when n < len(p), io.EOF at end of
// file. It does not use or change the offset of Read and Write.
func (f *File) ReadAt(p []byte, off int64) (int, error) {
	return f.ReadAtContext(context.Background(), p, off)
}

// ReadAtContext is ReadAt with a context that can cancel the ops.
func (f *File) ReadAtContext(ctx context.Context, p []byte, off int64) (n int, err error) {
	if f == nil {
		return 0, fs.ErrInvalid
	}
	if off < 0 {
		return 0, f.pathErr("readat", errNegativeOffsetOS)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if !f.ref.acquire() {
		return 0, f.pathErr("read", fs.ErrClosed)
	}
	defer f.ref.release()
	if !f.seekable() {
		return 0, f.pathErr("read", errNoSeek)
	}
	rw := f.rw
	if m, done, tried, e := f.attempt(ctx, opRead, p, off); done {
		switch {
		case e != nil && !isEOF(e):
			return 0, f.wrapErr("read", ctx, e)
		case m == 0:
			return 0, io.EOF
		}
		return m, nil
	} else if tried {
		n, p, off = m, p[m:], off+int64(m)
		rw &^= rwNowait // the rest would block
	}
	octx, done := f.opCtx(ctx)
	for len(p) > 0 {
		r := ReadAt(f.h, p, off)
		r.rw |= rw
		m, e := f.e.Do(octx, r)
		if e != nil && !isEOF(e) {
			err = f.wrapErr("read", ctx, e)
			break
		}
		if m == 0 {
			err = io.EOF
			break
		}
		n += m
		p = p[m:]
		off += int64(m)
	}
	if done != nil {
		done()
	}
	return n, err
}

// attempt makes the page-cache attempt of ReadAtContext or WriteAtContext (code) under the
// caller's own cancellable context, before opCtx joins it to the File's, which costs two
// contexts and an AfterFunc (five allocations) that only an op waiting in the kernel needs:
// Close cannot interrupt a system call that does not block. tried reports that the attempt was
// made: then done reports that it answered (n bytes, the end of the file, or err); else the
// first n bytes moved and the rest would block. It does what Engine.Do does first for a request
// marked rwNowait.
func (f *File) attempt(ctx context.Context, code opCode, p []byte, off int64) (n int, done, tried bool, err error) {
	if f.rw&rwNowait == 0 || f.e.try == nil || ctx.Done() == nil {
		return 0, false, false, nil // Do makes the attempt, if any, with nothing to join
	}
	if err := ctx.Err(); err != nil {
		return 0, true, true, &OpError{Op: opNames[code], Err: err}
	}
	if f.e.closed.Load() {
		return 0, true, true, &OpError{Op: opNames[code], Err: ErrClosed}
	}
	n, err, done = f.e.try(code, f.h, p, off)
	if err != nil {
		err = &OpError{Op: opNames[code], Err: err}
	}
	return n, done, true, err
}

// Write writes p to the file at its offset (at its end, if opened with O_APPEND) and advances
// the offset, as (*os.File).Write does: it keeps writing after a short count, and returns a
// non-nil error when n != len(p).
func (f *File) Write(p []byte) (int, error) { return f.WriteContext(context.Background(), p) }

// WriteContext is Write with a context that can cancel the ops. A cancelled Write returns the
// bytes written before the cancel took effect.
func (f *File) WriteContext(ctx context.Context, p []byte) (n int, err error) {
	if f == nil {
		return 0, fs.ErrInvalid
	}
	if !f.ref.acquire() {
		return 0, f.pathErr("write", fs.ErrClosed)
	}
	defer f.ref.release()
	octx, done := f.opCtx(ctx)
	mu := f.writeLock()
	if e := mu.lock(octx); e != nil {
		if done != nil {
			done()
		}
		return 0, f.wrapErr("write", ctx, lockErr("write", e))
	}
	// As internal/poll does: one write even of no bytes (so that writing nothing to a file
	// opened read-only fails as it does with os), then until all of p is written.
	for {
		var m int
		var e error
		if f.positional() && f.append {
			// Windows: to the end, wherever that is; the offset follows it, even for a write
			// of nothing, as os's offset does under Wine.
			m, e = f.e.Do(octx, f.hint(Write(f.h, p[n:])))
			f.atEnd = f.atEnd || m > 0 || e == nil
		} else if f.positional() {
			m, e = f.e.Do(octx, f.writeAtReq(p[n:], f.pos))
			f.pos += int64(m)
		} else {
			m, e = f.e.Do(octx, f.writeReq(p[n:]))
		}
		n += m
		if e != nil {
			err = f.wrapErr("write", ctx, e)
			break
		}
		if n == len(p) {
			break
		}
		if m == 0 {
			err = f.pathErr("write", io.ErrUnexpectedEOF)
			break
		}
	}
	mu.unlock()
	if done != nil {
		done()
	}
	return n, err
}

// WriteAt writes p to the file at offset off, as (*os.File).WriteAt does: it keeps writing after
// a short count and returns a non-nil error when n != len(p). It does not use or change the
// offset of Read and Write. On a file opened with O_APPEND it fails, as it does with os.
func (f *File) WriteAt(p []byte, off int64) (int, error) {
	return f.WriteAtContext(context.Background(), p, off)
}

// WriteAtContext is WriteAt with a context that can cancel the ops.
func (f *File) WriteAtContext(ctx context.Context, p []byte, off int64) (n int, err error) {
	if f == nil {
		return 0, fs.ErrInvalid
	}
	if f.append {
		return 0, errWriteAtInAppendMode
	}
	if off < 0 {
		return 0, f.pathErr("writeat", errNegativeOffsetOS)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if !f.ref.acquire() {
		return 0, f.pathErr("write", fs.ErrClosed)
	}
	defer f.ref.release()
	if !f.seekable() {
		return 0, f.pathErr("write", errNoSeek)
	}
	rw := f.rw
	if m, done, tried, e := f.attempt(ctx, opWrite, p, off); done {
		if e != nil {
			return 0, f.wrapErr("write", ctx, e)
		}
		return m, nil
	} else if tried {
		n, p, off = m, p[m:], off+int64(m)
		rw &^= rwNowait // the rest would block
	}
	octx, done := f.opCtx(ctx)
	for len(p) > 0 {
		r := WriteAt(f.h, p, off)
		r.rw |= rw
		m, e := f.e.Do(octx, r)
		n += m
		if e != nil {
			err = f.wrapErr("write", ctx, e)
			break
		}
		if m == 0 {
			err = f.pathErr("write", io.ErrUnexpectedEOF)
			break
		}
		p = p[m:]
		off += int64(m)
	}
	if done != nil {
		done()
	}
	return n, err
}

// Seek sets the offset of the next Read or Write, as (*os.File).Seek does: whence is
// io.SeekStart, io.SeekCurrent or io.SeekEnd (and, where the system has them, SEEK_DATA and
// SEEK_HOLE). It returns the new offset. Seeking a directory restarts ReadDir.
func (f *File) Seek(offset int64, whence int) (int64, error) {
	if f == nil {
		return 0, fs.ErrInvalid
	}
	if !f.ref.acquire() {
		return 0, f.pathErr("seek", fs.ErrClosed)
	}
	defer f.ref.release()
	if err := f.mu.lock(f.ctx); err != nil {
		return 0, f.wrapErr("seek", nil, lockErr("seek", err))
	}
	defer f.mu.unlock()
	f.dir.reset()
	// A directory's position is the kernel's, which ReadDir moves: Seek(0, io.SeekCurrent)
	// must report it, as with os, not rewind to the File's own offset.
	pos := f.positional() && !f.dirRead.Load()
	if pos && whence == io.SeekCurrent {
		// The kernel does not know our offset: make it absolute. An overflow makes it negative,
		// which the kernel refuses as it refuses an overflow of its own.
		cur, err := f.offset()
		if err != nil {
			return 0, f.pathErr("seek", err)
		}
		offset, whence = cur+offset, io.SeekStart
	}
	r, err := seekHandle(f.h, offset, whence, pos)
	if err != nil {
		return 0, f.pathErr("seek", err)
	}
	if pos {
		f.pos, f.atEnd = r, false
	}
	return r, nil
}
