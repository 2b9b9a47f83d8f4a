package ovio

// This file is the op lifecycle, the same for every engine: how an op is started, completed
// exactly once, cancelled, awaited, and when its memory goes back to the pool. The engines
// (engine_uring_linux.go, engine_iocp_windows.go, engine_blocking.go) only publish ops to their
// kernel interface, ask it to cancel them, and report each completion through op.complete.
//
// An op's life, in the names the code uses (the state word holds the generation and the state):
//
//	stIdle ──acquire──▶ stPending ──complete──▶ stCompleting ──▶ stDone ──release──▶ pool
//	(never used)  (gen+1)  │  ▲  └──────────completeSole (io_uring)──────▶┘  (the op keeps stDone;
//	                       │  │                                               acquire: gen+1)
//	                       │  └── requestCancel sets flagCancel and the cause; the op stays pending
//	                       └───── markAsync sets flagAsync: the engine's reaper, not the submitter,
//	                              will reap this op's completion (io_uring only)
//
//   - A Request is checked, and its context consulted, before an op is acquired: a done context
//     never reaches the kernel.
//   - From stPending until complete, the kernel owns the op and the memory it names. complete (or
//     completeSole, for the one completion the kernel posts for an io_uring entry) is the only way
//     out of stPending, and it succeeds once per generation: a second completion for the same
//     generation, or one for an older generation, changes nothing.
//   - Cancelling asks the kernel (ASYNC_CANCEL, CancelIoEx, or dequeueing) and then waits like any
//     other waiter for the op's own completion, which says what really happened.
//   - The op's pins are dropped in complete, after the kernel's completion was reaped, and the op
//     returns to the pool only when its result has been read.

import (
	"context"
	"errors"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// driver is an engine's kernel side.
type driver interface {
	kind() string
	// start hands ops, already in stPending, to the kernel. For each op the driver either
	// completes it (inline, or with an error before the kernel saw it) or publishes it, after
	// which only the kernel's completion ends it.
	start(ops []*op)
	// start1 is start for one op, without a slice to allocate.
	start1(o *op)
	// cancel asks the kernel to cancel generation gen of o. The op still completes as usual.
	cancel(o *op, gen uint32)
	// close cancels what is in flight, waits for every completion and frees the kernel side.
	// Ops started after close began fail with ErrClosed.
	close() error
}

// The state word: the generation in the high 32 bits, then these.
const (
	stIdle       = 0 // in the pool
	stPending    = 1 // started; the kernel owns it until its completion is reaped
	stCompleting = 2 // the completion is being recorded
	stDone       = 3 // the result is there to read
	stMask       = 3

	flagAsync     = 1 << 2 // io_uring: the reaper, not the submitter, reaps this op's completion
	flagCancel    = 1 << 3 // a cancel was asked of the kernel
	flagPublished = 1 << 6 // the op's memory is pinned and the kernel may have it

	causeShift    = 4 // two bits: why ovio cancelled the op
	causeMask     = 3 << causeShift
	causeCanceled = 1
	causeDeadline = 2
	causeClosed   = 3
)

func genOf(s uint64) uint32 { return uint32(s >> 32) }

// causeFor maps a context's error to a cause.
func causeFor(err error) uint64 {
	if errors.Is(err, context.DeadlineExceeded) {
		return causeDeadline
	}
	return causeCanceled
}

var causeErrs = [4]error{nil, context.Canceled, context.DeadlineExceeded, ErrClosed}

// op is one operation's state, pooled per engine. Its index in the engine's table never changes;
// the generation tells one use of it from the next, so that a stale completion or cancel cannot
// touch a later op.
type op struct {
	// The fields every op touches come first, the request next, the engine's scratch last; the
	// size is a multiple of a cache line (TestOpLayout), so that in a table's chunk no op shares
	// a line with the next.
	state atomic.Uint64
	idx   uint32
	// retired, set by the driver before it completes the op, keeps the op out of the pool for
	// the engine's life, with the memory its request names: for an op completed on a belief
	// about the kernel that ovio cannot check (see iocpDriver.cancel), so that if the belief is
	// wrong a late completion finds no later use of the op to end, and no memory freed.
	retired bool
	tbl     *opTable // the table the op belongs to

	// Written by complete before the state becomes stDone, read after.
	n   int64
	err error

	w        *waiter // who waits: &own for Do, a batch's waiter; nil for a future
	fut      *Op
	pre      int64 // bytes moved before the op started (a partial non-blocking attempt)
	pin      runtime.Pinner
	deadline time.Time // the context's deadline, zero if none
	own      waiter
	// req is the op's request: reqv, a copy, or, for DoBatch, the caller's own, which DoBatch
	// does not return before the op is released. clear points it back at reqv, zeroed.
	req  *Request
	reqv Request
	sys  opSys // the engine's scratch for this op
	_    [opPad]byte
}

// waiter counts the ops a goroutine waits for. The count and a "parked" bit share one word, so
// that the last completion and the waiter agree, without a lock, on whether a wake-up is due.
type waiter struct {
	n    atomic.Int64
	wake chan struct{} // capacity 1: one token per sleep
}

const parkedBit = 1 << 40

func (w *waiter) init(n int) {
	if w.wake == nil {
		w.wake = make(chan struct{}, 1)
	}
	w.n.Store(int64(n))
}

// done records one completion and wakes the waiter if it was the last and the waiter sleeps.
func (w *waiter) done() { w.doneN(1) }

// doneN records n completions, as done does one.
func (w *waiter) doneN(n int64) {
	if w.n.Add(-n) == parkedBit {
		w.wake <- struct{}{}
	}
}

// sleep waits until every op is done. If ctx ends first, it calls cancel once and keeps waiting:
// the ops' memory is the kernel's until they complete.
func (w *waiter) sleep(ctx context.Context, cancel func(error)) {
	if w.n.Add(parkedBit) == parkedBit {
		return // all done before we slept: no token is coming
	}
	if done := ctx.Done(); done != nil {
		select {
		case <-w.wake:
			return
		case <-done:
			cancel(ctx.Err())
		}
	}
	<-w.wake
}

// complete records generation gen's completion: n and the native error err. It reports false,
// changing nothing, if that generation is not pending (already complete, or an old one).
// prev is the state it replaced, so that the caller can see flagAsync.
func (o *op) complete(gen uint32, n int64, err error) (prev uint64, ok bool) {
	for {
		prev = o.state.Load()
		if genOf(prev) != gen || prev&stMask != stPending {
			return prev, false
		}
		if o.state.CompareAndSwap(prev, prev&^stMask|stCompleting) {
			break
		}
	}
	// Only this goroutine may now write the result, and nothing else changes the state word:
	// requestCancel and markAsync act on stPending only.
	o.n, o.err = n, err
	o.pin.Unpin() // the kernel is done with the memory
	o.state.Store(prev&^stMask | stDone)
	o.settle(nil)
	return prev, true
}

// completeSole is complete for a driver that delivers the kernel's one completion of a
// published op, one completion at a time (io_uring's dispatch, under cqMu). Nothing else can
// complete that generation: the kernel posts one completion per entry it took, and ovio
// completes by itself only ops whose entries the kernel never took. So the result needs no
// claim (stCompleting) before it is written, and one CAS both publishes it and ends stPending.
// prev is the state the caller loaded, pending for gen; the CAS fails only when a flag changed
// meanwhile (requestCancel, markAsync), and is tried again. It returns the state replaced.
//
//lint:ignore U1000 the io_uring engine's (Linux); the lifecycle's transitions stay in this file
func (o *op) completeSole(prev uint64, n int64, err error, s *settler) uint64 {
	o.n, o.err = n, err
	o.pin.Unpin() // the kernel is done with the memory
	for !o.state.CompareAndSwap(prev, prev&^stMask|stDone) {
		prev = o.state.Load()
	}
	o.settle(s)
	return prev
}

// settle gives back a completed op's room and wakes its waiter, now or through s (nil: now).
// A future is woken at once.
func (o *op) settle(s *settler) {
	switch f := o.fut; {
	case f != nil:
		o.tbl.completed(1)
		f.finish(o)
	case s != nil:
		s.add(o)
	default:
		o.tbl.completed(1)
		o.w.done()
	}
}

// settler gathers what a pass over many completions gives back, the room in the table and the
// counts of the waiters, so that the pass pays one atomic update of each instead of one per op.
// The ops it counted are done; their waiters learn it at flush. Consecutive completions of one
// waiter (a batch's) are counted together.
type settler struct {
	tbl  *opTable
	room int64
	w    *waiter
	n    int64
}

func (s *settler) add(o *op) {
	s.tbl = o.tbl
	s.room++
	if o.w != s.w {
		s.flushWaiter()
		s.w = o.w
	}
	s.n++
}

func (s *settler) flushWaiter() {
	if s.n > 0 {
		s.w.doneN(s.n)
	}
	s.w, s.n = nil, 0
}

// flush gives back the room and wakes the waiters of what add counted.
//
//lint:ignore U1000 the io_uring engine's (Linux), like completeSole
func (s *settler) flush() {
	if s.room > 0 {
		s.tbl.completed(s.room)
		s.room = 0
	}
	s.flushWaiter()
}

// requestCancel records cause as the reason to cancel generation gen of o, if it is still
// pending and nobody asked yet. It reports whether the caller must now ask the kernel.
func (o *op) requestCancel(gen uint32, cause uint64) bool {
	for {
		s := o.state.Load()
		if genOf(s) != gen || s&stMask != stPending || s&flagCancel != 0 {
			return false
		}
		if o.state.CompareAndSwap(s, s|flagCancel|cause<<causeShift) {
			return true
		}
	}
}

// markAsync sets flagAsync on generation gen of o if it is still pending.
func (o *op) markAsync(gen uint32) bool {
	for {
		s := o.state.Load()
		if genOf(s) != gen || s&stMask != stPending {
			return false
		}
		if o.state.CompareAndSwap(s, s|flagAsync) {
			return true
		}
	}
}

// result reads a completed op's outcome as the caller sees it.
func (o *op) result() (int, error) {
	if o.err == nil {
		return int(o.pre + o.n), nil
	}
	if o.pre > 0 {
		return int(o.pre), nil // a short count, as read(2) reports a failure after some bytes
	}
	s := o.state.Load()
	e := &OpError{Op: o.req.name(), Path: o.req.path, Err: o.err}
	if isCancelError(o.err) {
		if c := s & causeMask >> causeShift; c != 0 {
			e.Cause = causeErrs[c]
		} else if !o.deadline.IsZero() && !time.Now().Before(o.deadline) {
			// The kernel's linked timeout fired before the context's own timer.
			e.Cause = context.DeadlineExceeded
		}
	}
	return int(o.n), e
}

// pinRequest pins the memory the request lends the kernel. The driver calls it before the kernel
// may see the op, so that an op completed without the kernel pins nothing.
func (o *op) pinRequest() {
	r := o.req
	if len(r.buf) > 0 {
		o.pin.Pin(&r.buf[0])
	}
	for _, b := range r.bufs {
		if len(b) > 0 {
			o.pin.Pin(&b[0])
		}
	}
	r.sys.pin(&o.pin)
}

// publish marks the op published: from here on the kernel may have it. The IOCP and blocking
// drivers call it after their last access to the op and before the kernel can see the op. The
// atomic Or is what orders everything the starting goroutine did with the op before whatever the
// completing goroutine does: the kernel's queues are invisible to the Go memory model and to the
// race detector. (The io_uring driver records publication under its queue's lock instead, and
// orders through the queue's published tail: see uringDriver.queue.)
func (o *op) publish() { o.state.Or(flagPublished) }

// pinAny pins what a caller passed to keep: a pointer, or the backing array of a slice.
func pinAny(p *runtime.Pinner, v any) {
	switch v := v.(type) {
	case nil:
	case []byte:
		if len(v) > 0 {
			p.Pin(&v[0])
		}
	default:
		rv := reflect.ValueOf(v)
		switch rv.Kind() {
		case reflect.Pointer, reflect.UnsafePointer:
			if !rv.IsNil() {
				p.Pin(v)
			}
		case reflect.Slice:
			if rv.Len() > 0 {
				p.Pin(rv.Index(0).Addr().Interface())
			}
		}
	}
}

// checkKeep refuses what pinAny cannot pin.
func checkKeep(keep []any) error {
	for _, v := range keep {
		if v == nil {
			continue
		}
		switch reflect.ValueOf(v).Kind() {
		case reflect.Pointer, reflect.UnsafePointer, reflect.Slice:
		default:
			return argError("keep holds a " + reflect.TypeOf(v).String() + ", not a pointer or a slice")
		}
	}
	return nil
}

// opTable owns an engine's ops. Ops are allocated in chunks that live as long as the engine, so
// that an index always names the same op and the kernel's completions can be looked up without
// a lock.
//
// Room (MaxInFlight) counts ops in flight: taken when an op is acquired, given back when it
// completes, not when its waiter releases it, so that a batch's finished ops make room for the
// rest of the same batch.
type opTable struct {
	mu      sync.Mutex
	free    []*op
	chunks  atomic.Pointer[[]*[opChunk]op]
	n       uint32        // ops allocated; guarded by mu
	waiting chan struct{} // closed when room is given back while someone waits; guarded by mu

	active  atomic.Int64 // ops acquired and not yet complete: the room taken
	retired atomic.Int64 // ops kept out of the pool for good (op.retired)
	max     int64        // at most this many in flight
	nwait   atomic.Int32 // goroutines waiting for room
}

const opChunk = 256

// get returns the op at index idx, or nil if there is none.
func (t *opTable) get(idx uint32) *op {
	cs := t.chunks.Load()
	if cs == nil || idx/opChunk >= uint32(len(*cs)) {
		return nil
	}
	return &(*cs)[idx/opChunk][idx%opChunk]
}

// reserve takes room for one op in flight, if there is some.
func (t *opTable) reserve() bool { return t.reserveUpTo(1) == 1 }

// reserveUpTo takes room for at most k ops in flight, as much as there is, with one atomic
// update; it returns how many.
func (t *opTable) reserveUpTo(k int) int {
	for {
		a := t.active.Load()
		n := min(int64(k), t.max-a)
		if n <= 0 {
			return 0
		}
		if t.active.CompareAndSwap(a, a+n) {
			return int(n)
		}
	}
}

// completed gives back the room of n completed ops, and wakes who waits for it.
func (t *opTable) completed(n int64) {
	t.active.Add(-n)
	if t.nwait.Load() > 0 {
		t.mu.Lock()
		if t.waiting != nil {
			close(t.waiting)
			t.waiting = nil
		}
		t.mu.Unlock()
	}
}

// waitRoom reserves room for one op, waiting for it, or for ctx.
func (t *opTable) waitRoom(ctx context.Context) error {
	for !t.reserve() {
		t.mu.Lock()
		if t.waiting == nil {
			t.waiting = make(chan struct{})
		}
		ch := t.waiting
		t.nwait.Add(1)
		t.mu.Unlock()
		// Counted first, then tried: room given back after this try sees nwait and wakes us.
		if t.reserve() {
			t.nwait.Add(-1)
			return nil
		}
		select {
		case <-ch:
			t.nwait.Add(-1)
		case <-ctx.Done():
			t.nwait.Add(-1)
			return ctx.Err()
		}
	}
	return nil
}

// take pops k idle ops into ops, for room already reserved, and starts their next generation.
func (t *opTable) take(ops []*op) {
	t.mu.Lock()
	for i := range ops {
		if len(t.free) == 0 {
			t.grow()
		}
		ops[i] = t.free[len(t.free)-1]
		t.free = t.free[:len(t.free)-1]
	}
	t.mu.Unlock()
	for _, o := range ops {
		o.start()
	}
}

// acquire takes an idle op and starts its next generation in stPending. When MaxInFlight ops are
// in flight it waits for one to complete, or for ctx.
func (t *opTable) acquire(ctx context.Context) (*op, error) {
	if !t.reserve() {
		if err := t.waitRoom(ctx); err != nil {
			return nil, err
		}
	}
	var o [1]*op
	t.take(o[:])
	return o[0], nil
}

// acquireSome fills the front of ops with idle ops, as many as there is room for, without
// waiting; if there is room for none, it waits for one, or for ctx. It returns how many it took.
// A batch starts what it got before it asks for more: waiting while holding ops it has not
// started could wait for ever, for room only those ops would make.
func (t *opTable) acquireSome(ctx context.Context, ops []*op) (int, error) {
	k := t.reserveUpTo(len(ops))
	if k == 0 && len(ops) > 0 {
		if err := t.waitRoom(ctx); err != nil {
			return 0, err
		}
		k = 1
	}
	t.take(ops[:k])
	return k, nil
}

// start begins o's next generation in stPending.
func (o *op) start() {
	gen := genOf(o.state.Load()) + 1
	o.state.Store(uint64(gen)<<32 | stPending)
}

// grow adds a chunk of ops; t.mu is held.
func (t *opTable) grow() {
	c := new([opChunk]op)
	var cs []*[opChunk]op
	if old := t.chunks.Load(); old != nil {
		cs = append(cs, *old...)
	}
	base := uint32(len(cs)) * opChunk
	cs = append(cs, c)
	for i := opChunk - 1; i >= 0; i-- {
		c[i].idx = base + uint32(i)
		c[i].tbl = t
		c[i].req = &c[i].reqv
		t.free = append(t.free, &c[i])
	}
	t.n += opChunk
	t.chunks.Store(&cs)
}

// release returns a done op to the pool, dropping its references to the caller's memory.
func (t *opTable) release(o *op) {
	o.unref()
	ops := [1]*op{o}
	t.putBack(ops[:])
}

// releaseN releases ops, skipping nil ones, under one lock.
func (t *opTable) releaseN(ops []*op) {
	for _, o := range ops {
		if o != nil {
			o.unref()
		}
	}
	t.putBack(ops)
}

// unref is the first half of release: it drops a done op's references to the caller's memory
// (clear), unless the op is retired. putBack is the second.
func (o *op) unref() {
	if !o.retired {
		o.clear()
	} else if o.req != &o.reqv {
		// A retired op keeps its request, and through it the memory the kernel may still write,
		// for good: its own copy, since the caller's (assignIn) is the caller's again.
		o.reqv = *o.req
		o.req = &o.reqv
	}
}

// putBack returns ops that unref has seen to the pool, under one lock, skipping nil ones and
// counting retired ones.
func (t *opTable) putBack(ops []*op) {
	var retired int64
	t.mu.Lock()
	for _, o := range ops {
		switch {
		case o == nil:
		case o.retired:
			retired++
		default:
			t.free = append(t.free, o)
		}
	}
	t.mu.Unlock()
	if retired > 0 {
		t.retired.Add(retired)
	}
}

// clear drops a done op's references to the caller's memory. The op keeps its state word,
// stDone of its last generation, in the pool: everything that looks at an op without owning it
// only asks whether a generation is pending, which it is not, and acquiring stores a whole new
// word. (That spares a store, a locked instruction, per op.)
func (o *op) clear() {
	if o.req == &o.reqv {
		o.reqv = Request{}
	} else {
		o.req = &o.reqv // zero already: every clear leaves it so, and assignIn leaves it alone
	}
	o.err = nil
	o.fut = nil
	o.w = nil
	o.deadline, o.pre = time.Time{}, 0
	o.sys.reset()
}

// each calls f for every op of the table, whatever its state.
func (t *opTable) each(f func(o *op)) {
	cs := t.chunks.Load()
	if cs == nil {
		return
	}
	for _, c := range *cs {
		for i := range c {
			f(&c[i])
		}
	}
}

// inFlight counts the ops started and not yet complete.
func (t *opTable) inFlight() int {
	n := 0
	t.each(func(o *op) {
		if s := o.state.Load() & stMask; s == stPending || s == stCompleting {
			n++
		}
	})
	return n
}

// refuse returns the error of a request that must not start: a bad argument, or a done context.
func refuse(ctx context.Context, r *Request) error {
	return refuseErr(ctx.Err(), r)
}

// refuseErr is refuse for a context whose Err was ctxErr.
func refuseErr(ctxErr error, r *Request) error {
	err := r.check()
	if err == nil {
		err = ctxErr
	}
	if err != nil {
		return &OpError{Op: r.name(), Path: r.path, Err: err}
	}
	return nil
}

// assign gives o a copy of the request r, and the deadline (zero for none) of its context.
func (o *op) assign(r *Request, deadline time.Time) {
	o.reqv = *r
	o.req = &o.reqv
	o.deadline = deadline
}

// assignIn gives o the request r itself, for a caller that keeps r unchanged, where it is, until
// it has released o (DoBatch): that spares copying it in and zeroing it out per op.
func (o *op) assignIn(r *Request, deadline time.Time) {
	o.req = r
	o.deadline = deadline
}

// deadlineOf returns ctx's deadline, or the zero time. Its monotonic clock reading, kept, is what
// comparisons use.
func deadlineOf(ctx context.Context) time.Time {
	d, _ := ctx.Deadline()
	return d
}

// prepare checks r and ctx and acquires an op for r; the op is pending and owned by the caller
// until it is handed to the driver.
func (e *Engine) prepare(ctx context.Context, r *Request) (*op, error) {
	if err := refuse(ctx, r); err != nil {
		return nil, err
	}
	o, err := e.ops.acquire(ctx)
	if err != nil {
		return nil, &OpError{Op: r.name(), Path: r.path, Err: err}
	}
	o.assign(r, deadlineOf(ctx))
	return o, nil
}

// cancel asks for generation gen of o to be cancelled for the given cause.
func (e *Engine) cancel(o *op, gen uint32, cause uint64) {
	if o.requestCancel(gen, cause) {
		e.drv.cancel(o, gen)
	}
}

// Do runs r and waits for its completion. It returns the op's result (the count of bytes moved,
// a new file descriptor, or the native call's result) and its error, an *OpError.
//
// If ctx is done before r starts, r never reaches the kernel. If ctx ends while r is in flight,
// Do asks the kernel to cancel it and still waits for its completion: an op that completed before
// the cancel took effect returns its result and no error; one that was cancelled returns an error
// for which errors.Is(err, ctx.Err()) holds.
func (e *Engine) Do(ctx context.Context, r Request) (int, error) {
	var pre int
	if r.rw&rwNowait != 0 && e.try != nil {
		if err := refuse(ctx, &r); err != nil {
			return 0, err
		}
		if e.closed.Load() {
			return 0, &OpError{Op: r.name(), Path: r.path, Err: ErrClosed}
		}
		n, err, done := e.try(r.code, r.h, r.buf, r.off)
		if done {
			if err != nil {
				return n, &OpError{Op: r.name(), Path: r.path, Err: err}
			}
			return n, nil
		}
		// The rest, if any, goes through the kernel's queue.
		pre = n
		r.buf, r.off = r.buf[n:], r.off+int64(n)
		r.rw &^= rwNowait
	}
	o, err := e.prepare(ctx, &r)
	if err != nil {
		if pre > 0 {
			return pre, nil
		}
		return 0, err
	}
	o.pre = int64(pre)
	gen := genOf(o.state.Load())
	o.w = &o.own
	o.own.init(1)
	e.drv.start1(o)
	o.own.sleep(ctx, func(err error) { e.cancel(o, gen, causeFor(err)) })
	n, err := o.result()
	e.ops.release(o)
	return n, err
}

// Result is the outcome of one op of a batch.
type Result struct {
	N   int   // the op's result: bytes moved, a file descriptor, the native call's result
	Err error // nil, or an *OpError
}

// DoBatch starts every request of reqs together, with one system call where the engine can, and
// waits for all of them. results[i] receives the outcome of reqs[i]; results must be at least as
// long as reqs. If ctx ends, the ops still in flight are cancelled as Do cancels one. DoBatch
// returns the first error of results, in order, or nil. It uses reqs until it returns: they must
// not change meanwhile.
func (e *Engine) DoBatch(ctx context.Context, reqs []Request, results []Result) error {
	if len(results) < len(reqs) {
		return &OpError{Op: "batch", Err: errShortResults}
	}
	b := batchPool.Get().(*batch)
	n := 0              // requests to start
	ctxErr := ctx.Err() // once: the context is consulted before any request starts
	for i := range reqs {
		results[i] = Result{Err: refuseErr(ctxErr, &reqs[i])}
		b.ops = append(b.ops, nil)
		if results[i].Err == nil {
			n++
		}
	}
	b.w.init(n)
	b.started = slices.Grow(b.started[:0], n)[:n]
	deadline := deadlineOf(ctx)
	started, next := 0, 0 // ops started; the request to look at next
	for started < n {
		k, err := e.ops.acquireSome(ctx, b.started[started:])
		if err != nil {
			// The rest never start: the context ended while they waited for room.
			for ; next < len(reqs); next++ {
				if results[next].Err == nil {
					results[next].Err = &OpError{Op: reqs[next].name(), Path: reqs[next].path, Err: err}
					b.w.done()
				}
			}
			break
		}
		chunk := b.started[started : started+k]
		for _, o := range chunk {
			for results[next].Err != nil {
				next++
			}
			o.assignIn(&reqs[next], deadline)
			o.w = &b.w
			b.ops[next] = o
			b.gens = append(b.gens, genOf(o.state.Load()))
			next++
		}
		if p, panicked := e.startChunk(chunk); panicked {
			started += k
			b.abort(e, started, results, reqs, next)
			panic(p)
		}
		started += k
	}
	b.started = b.started[:started]
	b.w.sleep(ctx, func(err error) {
		for i, o := range b.started {
			e.cancel(o, b.gens[i], causeFor(err))
		}
	})
	var first error
	for i, o := range b.ops {
		if o != nil {
			results[i].N, results[i].Err = o.result()
			o.unref() // while the op's lines are at hand
		}
		if first == nil {
			first = results[i].Err
		}
	}
	e.ops.putBack(b.ops)
	clear(b.ops)
	clear(b.started)
	b.ops, b.started, b.gens = b.ops[:0], b.started[:0], b.gens[:0]
	batchPool.Put(b)
	return first
}

type batch struct {
	w       waiter
	ops     []*op // one per request; nil where the request never started
	started []*op
	gens    []uint32
}

// startChunk starts a chunk of a batch's ops and reports a panic of a start function (the IOCP
// engine runs the caller's code there), for the batch to end what it started before the panic
// goes on.
func (e *Engine) startChunk(chunk []*op) (p any, panicked bool) {
	panicked = true
	defer func() {
		if panicked {
			p = recover()
		}
	}()
	e.drv.start(chunk)
	return nil, false
}

// abort ends a batch whose start function panicked, before the panic goes on: the requests from
// next on never start, the started ones are cancelled and waited for, and every op goes back to
// the pool. The engine ended the panicking chunk's ops itself.
func (b *batch) abort(e *Engine, started int, results []Result, reqs []Request, next int) {
	for ; next < len(reqs); next++ {
		if results[next].Err == nil {
			results[next].Err = &OpError{Op: reqs[next].name(), Path: reqs[next].path, Err: errNotStarted}
			b.w.done()
		}
	}
	for i, o := range b.started[:started] {
		e.cancel(o, b.gens[i], causeCanceled)
	}
	b.w.sleep(context.Background(), nil)
	e.ops.releaseN(b.ops)
	clear(b.ops)
	clear(b.started)
	b.ops, b.started, b.gens = b.ops[:0], b.started[:0], b.gens[:0]
	batchPool.Put(b)
}

var errNotStarted = errors.New("not started: a start function of the batch panicked")

var batchPool = sync.Pool{New: func() any { return new(batch) }}

// Op is an op in flight: a future. Start returns one; Wait, Done and Result read its outcome and
// Cancel asks for it to end early. An Op is safe for use by many goroutines.
type Op struct {
	e    *Engine
	o    *op
	gen  uint32
	done chan struct{}
	mu   sync.Mutex
	stop func() bool // stops the context watch; guarded by mu

	// Set before done is closed.
	n   int
	err error
}

// Start starts r and returns at once. The op runs until it completes or is cancelled, by Cancel
// or by ctx; either way its Done channel is closed after the kernel's completion.
func (e *Engine) Start(ctx context.Context, r Request) *Op {
	f := &Op{e: e, done: make(chan struct{})}
	o, err := e.prepare(ctx, &r)
	if err != nil {
		f.err = err
		close(f.done)
		return f
	}
	f.o, f.gen = o, genOf(o.state.Load())
	o.fut = f
	e.drv.start1(o)
	f.watch(ctx)
	return f
}

// StartBatch starts every request of reqs together, with one system call where the engine can,
// and returns their futures in the same order.
func (e *Engine) StartBatch(ctx context.Context, reqs []Request) []*Op {
	futs := make([]*Op, len(reqs))
	var ready []int // the requests to start
	ctxErr := ctx.Err()
	for i := range reqs {
		futs[i] = &Op{e: e, done: make(chan struct{})}
		if err := refuseErr(ctxErr, &reqs[i]); err != nil {
			futs[i].err = err
			close(futs[i].done)
			continue
		}
		ready = append(ready, i)
	}
	ops := make([]*op, len(ready))
	deadline := deadlineOf(ctx)
	for started := 0; started < len(ready); {
		k, err := e.ops.acquireSome(ctx, ops[started:])
		if err != nil {
			for _, i := range ready[started:] {
				futs[i].err = &OpError{Op: reqs[i].name(), Path: reqs[i].path, Err: err}
				close(futs[i].done)
			}
			break
		}
		chunk := ops[started : started+k]
		for j, o := range chunk {
			i := ready[started+j]
			o.assign(&reqs[i], deadline)
			f := futs[i]
			f.o, f.gen = o, genOf(o.state.Load())
			o.fut = f
		}
		if p, panicked := e.startChunk(chunk); panicked {
			// Nobody gets these futures: cancel what started. Each releases its op.
			for _, i := range ready[:started+k] {
				futs[i].Cancel()
			}
			panic(p)
		}
		for _, i := range ready[started : started+k] {
			futs[i].watch(ctx)
		}
		started += k
	}
	return futs
}

// watch cancels the op when ctx ends. It runs after the op was handed to the driver, so that a
// cancel never overtakes the op it cancels.
func (f *Op) watch(ctx context.Context) {
	if ctx.Done() == nil {
		return
	}
	stop := context.AfterFunc(ctx, func() { f.e.cancel(f.o, f.gen, causeFor(ctx.Err())) })
	f.mu.Lock()
	select {
	case <-f.done:
		f.mu.Unlock()
		stop()
		return
	default:
	}
	f.stop = stop
	f.mu.Unlock()
}

// finish is complete's last step for a future: copy the result out, give the op back, wake the
// waiters.
func (f *Op) finish(o *op) {
	f.n, f.err = o.result()
	f.e.ops.release(o)
	f.mu.Lock()
	stop := f.stop
	f.stop = nil
	close(f.done)
	f.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// Done returns a channel that is closed when the op has completed.
func (f *Op) Done() <-chan struct{} { return f.done }

// Cancel asks for the op to be cancelled, as if its context had been. It does not wait: the op
// still completes, with an error for which errors.Is(err, context.Canceled) holds if the cancel
// took effect, or with its result if it had already finished.
func (f *Op) Cancel() {
	if f.o != nil {
		f.e.cancel(f.o, f.gen, causeCanceled)
	}
}

// Wait waits for the op to complete and returns its result. If ctx ends first, Wait cancels the
// op and still waits for its completion, as Do does.
func (f *Op) Wait(ctx context.Context) (int, error) {
	select {
	case <-f.done:
		return f.n, f.err
	default:
	}
	select {
	case <-f.done:
	case <-ctx.Done():
		if f.o != nil {
			f.e.cancel(f.o, f.gen, causeFor(ctx.Err()))
		}
		<-f.done
	}
	return f.n, f.err
}

// Result waits for the op to complete, without cancelling it, and returns its result.
func (f *Op) Result() (int, error) {
	<-f.done
	return f.n, f.err
}
