package ovio

import (
	"context"
	"sync/atomic"
)

// fileRef counts the ops that use a File's handle, as internal/poll's fdMutex does for *os.File:
// every op takes a reference before it starts and drops it after its completion, Close refuses
// new references, and the handle is closed only once the count has dropped to zero. Without it a
// stale op could reach whatever file the kernel gave the same descriptor number next.
type fileRef struct {
	v      atomic.Int64  // references<<1 | closing
	zero   chan struct{} // closed by the last release once closing is set
	closed atomic.Bool   // the handle itself is closed
}

const refClosing = 1

func (r *fileRef) init() { r.zero = make(chan struct{}) }

// acquire takes a reference; it reports false once Close has begun.
func (r *fileRef) acquire() bool {
	for {
		v := r.v.Load()
		if v&refClosing != 0 {
			return false
		}
		if r.v.CompareAndSwap(v, v+2) {
			return true
		}
	}
}

// release drops a reference taken by acquire.
func (r *fileRef) release() {
	if r.v.Add(-2) == refClosing {
		close(r.zero) // the last reference of a closing file: acquire refuses any other
	}
}

// closing reports whether Close has begun.
func (r *fileRef) closing() bool { return r.v.Load()&refClosing != 0 }

// startClose refuses new references from now on. It reports false if Close had already begun,
// and otherwise whether references remain, which wait then waits for.
func (r *fileRef) startClose() (first, busy bool) {
	old := r.v.Or(refClosing)
	return old&refClosing == 0, old>>1 != 0
}

// wait waits until the last reference is released; only after startClose reported busy.
func (r *fileRef) wait() { <-r.zero }

// ctxMutex is a mutex whose Lock gives up when a context ends: a ReadContext queued behind
// another Read pending on a pipe must still honour its deadline, and Close must not wait for
// it to get the lock.
type ctxMutex chan struct{}

func newCtxMutex() ctxMutex { return make(ctxMutex, 1) }

// lock takes m, or returns ctx's error if ctx ends first.
func (m ctxMutex) lock(ctx context.Context) error {
	select {
	case m <- struct{}{}:
		return nil
	default:
	}
	select {
	case m <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (m ctxMutex) unlock() { <-m }
