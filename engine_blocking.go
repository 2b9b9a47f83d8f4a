//go:build unix

package ovio

// The blocking engine: the same ops, lifecycle, errors and Close as the completion engines, made
// of ordinary system calls (pread, pwrite, fsync, openat, statx, ...) in a bounded pool of
// goroutines. It runs where io_uring is missing or forbidden, and on the Unixes that have
// neither io_uring nor IOCP.
//
// Ops wait in a FIFO queue for a worker. A worker holds an OS thread while it is in a system
// call, which is the nature of this engine: Config.Workers bounds them, and so the threads. Workers
// start when ops need them and exit after blockingIdle without work, so an idle engine holds no
// goroutine, and a closed one none at all.
//
// A worker never waits for a descriptor to become ready. A read or write of a pipe, a socket or a
// terminal that is not ready (RWF_NOWAIT says EAGAIN on Linux; poll(2) with no timeout says so
// elsewhere) is parked: one poller goroutine per engine waits in poll(2) for every parked op's
// descriptor, and for its own wake descriptor, and puts an op whose descriptor is ready back at
// the head of the queue. So idle connections cost no worker, and cannot starve the file I/O of
// the engine, as they would if each held a worker.
//
// Cancellation:
//   - An op in the queue, or parked, is taken out and completes with ECANCELED, a code the engine
//     synthesises so that it reads like the kernel's (OpError.Cause says why). It moves no data.
//   - A Timeout is a timer, not a worker, and a cancel stops it.
//   - An op already in its system call (a read of a regular file, fsync, openat, ...) cannot be
//     interrupted: it finishes, and reports its result as any op that completed before its
//     cancel does.
//
// Files read and written as File does (rwNowait) try the page cache first, in the caller's
// goroutine, as the io_uring engine does (Linux: setTry).
//
// d.mu guards the queue, the timer list, the parked ops, the workers and every op's blockingOp.

import (
	"encoding/binary"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// blockingIdle is how long a worker waits for an op before it exits.
const blockingIdle = 2 * time.Second

func defaultWorkers() int { return max(4, 4*runtime.GOMAXPROCS(0)) }

// Where an op of the blocking engine is: blockingOp.where.
const (
	blkNone    = iota
	blkQueued  // in d.queue, waiting for a worker
	blkRunning // in a worker
	blkTimer   // a Timeout whose timer is armed, in d.timers
	blkParked  // a stream op waiting for its descriptor, in d.parked
)

// blockingOp is an op's state in the blocking engine. d.mu guards it; opSys.reset leaves it
// alone, since the engine clears it before the op completes.
type blockingOp struct {
	prev, next *op
	gen        uint32
	where      uint8
	write      bool        // blkParked: waits to write, else to read
	slot       int         // blkParked: the op's index in d.parked
	timer      *time.Timer // a Timeout op's timer, kept for the op's later lives
}

// opList is a doubly linked list of ops through their blockingOp.
type opList struct{ head, tail *op }

func (l *opList) push(o *op) {
	b := &o.sys.blk
	b.prev, b.next = l.tail, nil
	if l.tail != nil {
		l.tail.sys.blk.next = o
	} else {
		l.head = o
	}
	l.tail = o
}

func (l *opList) remove(o *op) {
	b := &o.sys.blk
	if b.prev != nil {
		b.prev.sys.blk.next = b.next
	} else {
		l.head = b.next
	}
	if b.next != nil {
		b.next.sys.blk.prev = b.prev
	} else {
		l.tail = b.prev
	}
	b.prev, b.next = nil, nil
}

func (l *opList) pushFront(o *op) {
	b := &o.sys.blk
	b.prev, b.next = nil, l.head
	if l.head != nil {
		l.head.sys.blk.prev = o
	} else {
		l.tail = o
	}
	l.head = o
}

func (l *opList) pop() *op {
	o := l.head
	if o != nil {
		l.remove(o)
	}
	return o
}

type blockingDriver struct {
	e       *Engine
	max     int           // workers at most
	idleFor time.Duration // how long a worker waits for an op before it exits: blockingIdle
	// pollOnly makes streams take the portable path (poll, then the plain call) where the
	// platform has a better one, so that tests on Linux cover the other Unixes' path.
	pollOnly bool
	closing  atomic.Bool // set under mu; read without it by the inline paths

	// What cancels met, counted for the tests: an op taken out of the queue, or out of the
	// poller; one a worker had taken from the queue and found cancelled before its call, or
	// when it would have parked. And the parked ops the poller put back in the queue.
	cancelQueued, cancelParked, cancelTaken, cancelAtPark, requeued atomic.Uint64

	mu      sync.Mutex
	queue   opList
	timers  opList
	idle    []*worker      // waiting for an op, the most recently idle last
	workers []*worker      // every worker alive
	parked  []*op          // stream ops waiting for their descriptor
	polling bool           // the poller runs
	pollFD  wakeFD         // the poller's wake descriptor, while it runs and has one
	wg      sync.WaitGroup // the workers and the poller
}

// openBlocking opens the blocking engine. It needs nothing from the kernel, so it cannot fail.
func openBlocking(e *Engine, cfg *Config) *blockingDriver {
	if cfg.Workers == 0 {
		cfg.Workers = defaultWorkers()
	}
	d := &blockingDriver{e: e, max: cfg.Workers, idleFor: blockingIdle}
	d.setTry()
	return d
}

func (d *blockingDriver) kind() string { return "blocking" }

// worker is one goroutine of the pool.
type worker struct {
	d     *blockingDriver
	wake  chan struct{} // one token when the worker is taken off the idle stack
	timer *time.Timer   // the idle timeout
}

// inline completes the ops that need no worker, and reports whether it did.
func (d *blockingDriver) inline(o *op, gen uint32) bool {
	switch o.req.code {
	case opNop:
		var err error
		if d.closing.Load() {
			err = ErrClosed
		}
		o.complete(gen, 0, err)
		return true
	case opNative:
		o.complete(gen, 0, notSupported("the io_uring SQEs of Prep on the blocking engine"))
		return true
	}
	return false
}

func (d *blockingDriver) start1(o *op) {
	gen := genOf(o.state.Load())
	if d.inline(o, gen) {
		return
	}
	d.mu.Lock()
	ok := d.put(o, gen)
	d.mu.Unlock()
	if !ok {
		o.complete(gen, 0, ErrClosed)
	}
}

func (d *blockingDriver) start(ops []*op) {
	var closed []*op
	d.mu.Lock()
	for _, o := range ops {
		// Read before the op can complete: afterwards it may start another life.
		gen := genOf(o.state.Load())
		if o.req.code == opNop || o.req.code == opNative {
			closed = append(closed, o) // completed below, outside the lock
			continue
		}
		if !d.put(o, gen) {
			closed = append(closed, o)
		}
	}
	d.mu.Unlock()
	for _, o := range closed {
		if gen := genOf(o.state.Load()); !d.inline(o, gen) {
			o.complete(gen, 0, ErrClosed)
		}
	}
}

// put queues o for a worker, or arms its timer. It reports false if the engine is closing.
// d.mu is held.
func (d *blockingDriver) put(o *op, gen uint32) bool {
	if d.closing.Load() {
		return false
	}
	b := &o.sys.blk
	b.gen = gen
	o.publish()
	if o.req.code == opTimeout {
		b.where = blkTimer
		d.timers.push(o)
		dur := time.Duration(max(o.req.length, 0))
		if b.timer == nil {
			b.timer = time.AfterFunc(dur, func() { d.fire(o) })
		} else {
			b.timer.Reset(dur)
		}
		return true
	}
	b.where = blkQueued
	d.queue.push(o)
	d.dispatch()
	return true
}

// dispatch finds a worker for an op just queued: an idle one, or a new one if the pool is not
// full. d.mu is held.
func (d *blockingDriver) dispatch() {
	if n := len(d.idle); n > 0 {
		w := d.idle[n-1]
		d.idle = d.idle[:n-1]
		w.wake <- struct{}{}
	} else if len(d.workers) < d.max {
		w := &worker{d: d, wake: make(chan struct{}, 1)}
		d.workers = append(d.workers, w)
		d.wg.Add(1)
		go w.run()
	}
}

// fire completes a Timeout op whose timer expired.
func (d *blockingDriver) fire(o *op) {
	d.mu.Lock()
	b := &o.sys.blk
	if b.where != blkTimer {
		d.mu.Unlock()
		return
	}
	gen := b.gen
	d.timers.remove(o)
	b.where = blkNone
	d.mu.Unlock()
	d.completeOp(o, gen, 0, nil)
}

func (d *blockingDriver) completeOp(o *op, gen uint32, n int64, err error) {
	if _, ok := o.complete(gen, n, err); !ok {
		d.e.ignored.Add(1)
	}
}

func (d *blockingDriver) cancel(o *op, gen uint32) {
	d.mu.Lock()
	b := &o.sys.blk
	if b.gen != gen {
		d.mu.Unlock()
		return
	}
	switch b.where {
	case blkQueued:
		d.queue.remove(o)
		b.where = blkNone
		d.cancelQueued.Add(1)
		d.mu.Unlock()
		d.completeOp(o, gen, 0, syscall.ECANCELED)
		return
	case blkTimer:
		if b.timer.Stop() {
			d.timers.remove(o)
			b.where = blkNone
			d.mu.Unlock()
			d.completeOp(o, gen, 0, syscall.ECANCELED)
			return
		}
		// The timer fired: fire completes the op.
	case blkParked:
		d.unpark(o)
		d.cancelParked.Add(1)
		d.mu.Unlock()
		d.completeOp(o, gen, 0, syscall.ECANCELED)
		return
	}
	// blkRunning: in a system call, out of reach; an op that would then wait for its descriptor
	// sees the cancel flag instead of parking.
	d.mu.Unlock()
}

type cancelled struct {
	o   *op
	gen uint32
}

func (d *blockingDriver) close() error {
	var cs []cancelled
	d.mu.Lock()
	d.closing.Store(true)
	for o := d.queue.pop(); o != nil; o = d.queue.pop() {
		o.sys.blk.where = blkNone
		cs = append(cs, cancelled{o, o.sys.blk.gen})
	}
	for o := d.timers.head; o != nil; {
		b := &o.sys.blk
		next := b.next
		if b.timer.Stop() {
			d.timers.remove(o)
			b.where = blkNone
			cs = append(cs, cancelled{o, b.gen})
		}
		o = next
	}
	for _, o := range d.parked {
		o.sys.blk.where = blkNone
		cs = append(cs, cancelled{o, o.sys.blk.gen})
	}
	clear(d.parked)
	d.parked = d.parked[:0]
	d.pollFD.signal() // it finds nothing parked and the engine closing, and exits
	for _, w := range d.idle {
		w.wake <- struct{}{} // it finds the engine closing and exits
	}
	d.idle = nil
	d.mu.Unlock()

	for _, c := range cs {
		c.o.requestCancel(c.gen, causeClosed)
		d.completeOp(c.o, c.gen, 0, syscall.ECANCELED)
	}
	// Running ops finish their system call; one that would park finds the engine closing and
	// completes with ECANCELED instead.
	d.wg.Wait()
	// What is left: timers that fired and are completing their op, and ops between
	// Engine.prepare and start, which start fails with ErrClosed.
	for d.e.ops.inFlight() > 0 {
		time.Sleep(time.Millisecond)
	}
	return nil
}

// run is a worker's life: take an op from the queue, run it, complete it (or park it); wait a
// while for the next one when the queue is empty.
func (w *worker) run() {
	d := w.d
	defer d.wg.Done()
	var (
		o      *op
		gen    uint32
		res    result
		cancel bool // o would have parked, but it is cancelled or the engine is closing
	)
	for {
		d.mu.Lock()
		if o != nil {
			// The op leaves the worker before it completes: once complete, it may start
			// another life.
			o.sys.blk.where = blkNone
			if res.park && !d.park(o, res.write) {
				cancel = true
				d.cancelAtPark.Add(1)
			}
		}
		next := d.queue.pop()
		var nextGen uint32
		if next != nil {
			b := &next.sys.blk
			b.where = blkRunning
			nextGen = b.gen
		}
		d.mu.Unlock()
		switch {
		case o == nil, res.park && !cancel:
		case cancel:
			d.completeOp(o, gen, 0, syscall.ECANCELED)
		default:
			d.completeOp(o, gen, res.n, res.err)
		}
		o, gen, cancel = next, nextGen, false
		if o == nil {
			if !w.idleWait() {
				return
			}
			continue
		}
		res = w.exec(o)
	}
}

// result is what a worker made of an op: its result and native error, or that it must wait for
// its descriptor.
type result struct {
	n     int64
	err   error
	park  bool // the descriptor is not ready: park the op
	write bool // park: it waits to write
}

// park hands o, whose descriptor is not ready, to the poller. It reports false, leaving o to be
// completed with ECANCELED, if o was cancelled meanwhile or the engine is closing. d.mu is held.
func (d *blockingDriver) park(o *op, write bool) bool {
	b := &o.sys.blk
	if d.closing.Load() {
		o.requestCancel(b.gen, causeClosed)
		return false
	}
	if o.state.Load()&flagCancel != 0 {
		return false // the cancel came while the op was in its worker
	}
	b.where, b.write, b.slot = blkParked, write, len(d.parked)
	d.parked = append(d.parked, o)
	if !d.polling {
		d.polling = true
		d.wg.Add(1)
		go d.poll()
	} else {
		d.pollFD.signal()
	}
	return true
}

// unpark takes o out of the parked ops. d.mu is held.
func (d *blockingDriver) unpark(o *op) {
	b := &o.sys.blk
	last := len(d.parked) - 1
	if moved := d.parked[last]; moved != o {
		d.parked[b.slot] = moved
		moved.sys.blk.slot = b.slot
	}
	d.parked[last] = nil
	d.parked = d.parked[:last]
	b.where = blkNone
	d.pollFD.signal() // its descriptor leaves the poller's set
}

// parkedRef is a parked op as the poller saw it, and the entry of its descriptor in the poll set.
type parkedRef struct {
	o     *op
	gen   uint32
	entry int
	write bool
}

// poll is the poller: it waits in poll(2) for the descriptors of the parked ops and puts each op
// whose descriptor is ready back at the head of the queue. A parked op changes the set by
// signalling the poller's wake descriptor. It exits after d.idleFor with nothing parked, or when
// the engine closes.
func (d *blockingDriver) poll() {
	defer d.wg.Done()
	wake, err := newWakeFD()
	if err != nil {
		wake = noWakeFD // short of descriptors: look at the set every 50ms instead
	}
	d.mu.Lock()
	d.pollFD = wake
	d.mu.Unlock()
	var (
		fds        []unix.PollFd
		refs       []parkedRef
		entry      = map[int32]int{} // descriptor -> its entry in fds
		emptySince time.Time
	)
	for {
		d.mu.Lock()
		timeout := -1
		if len(d.parked) == 0 {
			now := time.Now()
			if emptySince.IsZero() {
				emptySince = now
			}
			if d.closing.Load() || now.Sub(emptySince) >= d.idleFor {
				d.polling = false
				d.pollFD = noWakeFD
				d.mu.Unlock()
				wake.close()
				return
			}
			timeout = int((d.idleFor - now.Sub(emptySince) + time.Millisecond - 1) / time.Millisecond)
		} else {
			emptySince = time.Time{}
		}
		// One entry per descriptor, however many ops wait for it: poll(2) refuses more entries
		// than RLIMIT_NOFILE.
		fds = append(fds[:0], unix.PollFd{Fd: int32(wake.r), Events: unix.POLLIN})
		refs = refs[:0]
		clear(entry)
		for _, o := range d.parked {
			b := &o.sys.blk
			fd := int32(o.req.h)
			i, ok := entry[fd]
			if !ok {
				i = len(fds)
				entry[fd] = i
				fds = append(fds, unix.PollFd{Fd: fd})
			}
			if b.write {
				fds[i].Events |= unix.POLLOUT
			} else {
				fds[i].Events |= unix.POLLIN
			}
			refs = append(refs, parkedRef{o, b.gen, i, b.write})
		}
		d.mu.Unlock()

		if wake == noWakeFD && (timeout < 0 || timeout > 50) {
			timeout = 50
		}
		if _, err := faultPoll(fds, timeout, true); err != nil && err != syscall.EINTR && err != syscall.EAGAIN {
			time.Sleep(10 * time.Millisecond) // ENOMEM: try again; the ops stay cancellable
			continue
		}
		if fds[0].Revents != 0 {
			wake.drain()
		}

		d.mu.Lock()
		for _, r := range refs {
			ev := fds[r.entry].Revents
			if r.write {
				ev &^= unix.POLLIN | unix.POLLPRI
			} else {
				ev &^= unix.POLLOUT
			}
			// Ready, or POLLHUP, POLLERR, POLLNVAL: the call will say which. (macOS answers
			// POLLNVAL for some devices it cannot poll: their call then blocks as it would.)
			if ev == 0 || r.o.sys.blk.where != blkParked || r.o.sys.blk.gen != r.gen {
				continue
			}
			d.unpark(r.o)
			r.o.sys.blk.where = blkQueued
			d.queue.pushFront(r.o)
			d.requeued.Add(1)
			d.dispatch()
		}
		d.mu.Unlock()
	}
}

// idleWait waits for the queue to have an op. It reports false when the worker must exit, after
// taking it out of the pool: the engine is closing, or the worker waited d.idleFor in vain.
func (w *worker) idleWait() bool {
	d := w.d
	d.mu.Lock()
	if d.queue.head != nil {
		d.mu.Unlock()
		return true
	}
	if d.closing.Load() {
		w.exit()
		return false
	}
	d.idle = append(d.idle, w)
	d.mu.Unlock()
	if w.timer == nil {
		w.timer = time.NewTimer(d.idleFor)
	} else {
		w.timer.Reset(d.idleFor)
	}
	select {
	case <-w.wake:
		w.timer.Stop()
		return true
	case <-w.timer.C:
	}
	d.mu.Lock()
	if i := slices.Index(d.idle, w); i >= 0 {
		d.idle = slices.Delete(d.idle, i, i+1)
		w.exit()
		return false
	}
	d.mu.Unlock()
	<-w.wake // taken off the idle stack as the timer fired: the token is on its way
	return true
}

// exit takes the worker out of the pool. d.mu is held; exit releases it.
func (w *worker) exit() {
	d := w.d
	if i := slices.Index(d.workers, w); i >= 0 {
		d.workers = slices.Delete(d.workers, i, i+1)
	}
	d.mu.Unlock()
}

// exec runs o's system calls and returns their result, or that o must wait for its descriptor.
func (w *worker) exec(o *op) result {
	if o.state.Load()&flagCancel != 0 {
		w.d.cancelTaken.Add(1)
		return result{err: syscall.ECANCELED} // cancelled before it ran: it never does
	}
	r := o.req
	var n int
	var err error
	switch r.code {
	case opRead, opWrite:
		write := r.code == opWrite
		if r.rw&rwCurPos != 0 {
			return w.stream(o, write, [][]byte{r.buf})
		}
		for {
			if write {
				n, err = unix.Pwrite(r.h, r.buf, r.off)
			} else {
				n, err = unix.Pread(r.h, r.buf, r.off)
			}
			if err != syscall.EINTR {
				break
			}
		}
		if err == syscall.ESPIPE {
			// A pipe, a socket, a terminal: io_uring reads and writes those at their
			// current position whatever the offset, and so does this engine.
			return w.stream(o, write, [][]byte{r.buf})
		}
	case opReadv, opWritev:
		write := r.code == opWritev
		for {
			if write {
				n, err = pwritev(r.h, r.bufs, r.off)
			} else {
				n, err = preadv(r.h, r.bufs, r.off)
			}
			if err != syscall.EINTR {
				break
			}
		}
		if err == syscall.ESPIPE {
			return w.stream(o, write, r.bufs)
		}
	case opFsync, opFdatasync:
		for {
			err = fsync(r.h, r.code == opFdatasync)
			if err != syscall.EINTR {
				break
			}
		}
	case opOpenat:
		for {
			n, err = unix.Openat(r.h, r.path, int(r.flags), r.mode)
			if err != syscall.EINTR {
				break
			}
		}
	case opClose:
		err = unix.Close(r.h)
	default:
		n, err = execSys(o)
	}
	if err != nil {
		return result{err: err}
	}
	return result{n: int64(n)}
}

// stream reads or writes a descriptor at its current position, or reports that it is not ready:
// then the op parks until it is.
func (w *worker) stream(o *op, write bool, bufs [][]byte) result {
	n, err, ready := w.streamSys(o, write, bufs)
	switch {
	case !ready:
		return result{park: true, write: write}
	case err != nil:
		return result{err: err}
	}
	return result{n: int64(n)}
}

// pollStream reads or writes at the current position if poll(2) says the descriptor is ready,
// and reports ready = false otherwise, or if another reader or writer took the readiness first
// (EAGAIN). On a descriptor in blocking mode, that other one can leave the call blocked, beyond
// a cancel's reach, until data or room comes: the portable path's one weakness.
func (w *worker) pollStream(o *op, write bool, bufs [][]byte) (n int, err error, ready bool) {
	fd := o.req.h
	empty := true
	for _, b := range bufs {
		empty = empty && len(b) == 0
	}
	// Moving no bytes does not wait, ready or not; a bad descriptor is the call's to report.
	if !empty && fd >= 0 {
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if write {
			fds[0].Events = unix.POLLOUT
		}
		for {
			n, err := faultPoll(fds, 0, false)
			if err == syscall.EINTR {
				continue
			}
			if err != nil || n == 0 {
				// Not ready, or poll cannot say (ENOMEM): the op waits in the poller, where a
				// cancel reaches it, not in a call that may block.
				return 0, nil, false
			}
			break // ready, or a bad descriptor (POLLNVAL): the call says what it has to say
		}
	}
	for {
		if write {
			n, err = writev(fd, bufs)
		} else {
			n, err = readv(fd, bufs)
		}
		switch err {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return 0, nil, false
		}
		return n, err, true
	}
}

// wakeFD is what the poller's poll watches besides the parked ops' descriptors: an eventfd on
// Linux (r and w the same), a pipe elsewhere.
type wakeFD struct{ r, w int }

var noWakeFD = wakeFD{-1, -1}

var wakeToken = binary.NativeEndian.AppendUint64(nil, 1)

// signal wakes the poll that watches the descriptor, if there is one. d.mu is held, so that the
// descriptor is not closed meanwhile.
func (f wakeFD) signal() {
	if f.w >= 0 {
		unix.Write(f.w, wakeToken)
	}
}

func (f wakeFD) drain() {
	var buf [64]byte
	for {
		if n, err := unix.Read(f.r, buf[:]); err != syscall.EINTR && n < len(buf) {
			return
		}
	}
}

func (f wakeFD) close() {
	if f.r >= 0 {
		unix.Close(f.r)
	}
	if f.w >= 0 && f.w != f.r {
		unix.Close(f.w)
	}
}
