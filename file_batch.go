package ovio

import (
	"context"
	"io"
	"io/fs"
	"sync"
)

// ReadRange is one range of a ReadAtBatch: where to read, into what, and, once ReadAtBatch
// returns, what came of it.
type ReadRange struct {
	Off int64  // the offset in the file
	Buf []byte // the bytes to fill: len(Buf) of them

	N   int   // set by ReadAtBatch: the bytes read into Buf
	Err error // set by ReadAtBatch: nil, or ReadAt's error for this range (io.EOF at end of file)
}

// ReadAtBatch reads every range of ranges as ReadAt would, submitting the reads together: one
// system call for the lot where the engine can, and the kernel works on them in parallel. A
// range read short is continued, in a further batch with the other short ones, until it is full
// or the file ends. It sets each range's N and Err and returns the first Err, in the order of
// ranges, or nil. If ctx ends, the reads in flight are cancelled.
func (f *File) ReadAtBatch(ctx context.Context, ranges []ReadRange) error {
	if f == nil {
		return fs.ErrInvalid
	}
	b := readBatchPool.Get().(*readBatch)
	defer b.put()
	for i := range ranges {
		r := &ranges[i]
		r.N, r.Err = 0, nil
		if r.Off < 0 {
			r.Err = f.pathErr("readat", errNegativeOffsetOS)
		} else if len(r.Buf) > 0 {
			b.todo = append(b.todo, i)
		}
	}
	if len(b.todo) > 0 {
		f.readBatch(ctx, ranges, b)
	}
	for i := range ranges {
		if err := ranges[i].Err; err != nil {
			return err
		}
	}
	return nil
}

// readBatch reads the ranges b.todo names until each is full, at end of file, or failed.
func (f *File) readBatch(ctx context.Context, ranges []ReadRange, b *readBatch) {
	fail := func(err error) {
		for _, i := range b.todo {
			ranges[i].Err = err
		}
	}
	if !f.ref.acquire() {
		fail(f.pathErr("read", fs.ErrClosed))
		return
	}
	defer f.ref.release()
	if !f.seekable() {
		fail(f.pathErr("read", errNoSeek))
		return
	}
	octx, done := f.opCtx(ctx)
	if done != nil {
		defer done()
	}
	for len(b.todo) > 0 {
		b.reqs = b.reqs[:0]
		for _, i := range b.todo {
			r := &ranges[i]
			b.reqs = append(b.reqs, f.readAtReq(r.Buf[r.N:], r.Off+int64(r.N)))
		}
		if cap(b.res) < len(b.reqs) {
			b.res = make([]Result, len(b.reqs))
		}
		b.res = b.res[:len(b.reqs)]
		f.e.DoBatch(octx, b.reqs, b.res)
		next := b.todo[:0]
		for k, i := range b.todo {
			r, res := &ranges[i], b.res[k]
			switch {
			case res.Err != nil && !isEOF(res.Err):
				r.Err = f.wrapErr("read", ctx, res.Err)
			case res.N == 0 || res.Err != nil:
				r.Err = io.EOF
			default:
				r.N += res.N
				if r.N < len(r.Buf) {
					next = append(next, i)
				}
			}
		}
		b.todo = next
	}
}

// readBatch is ReadAtBatch's scratch, pooled.
type readBatch struct {
	todo []int // the ranges still to read
	reqs []Request
	res  []Result
}

var readBatchPool = sync.Pool{New: func() any { return new(readBatch) }}

func (b *readBatch) put() {
	clear(b.reqs[:cap(b.reqs)]) // drop the references to the caller's buffers
	clear(b.res[:cap(b.res)])
	b.todo, b.reqs, b.res = b.todo[:0], b.reqs[:0], b.res[:0]
	readBatchPool.Put(b)
}
