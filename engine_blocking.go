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
// Cancellation:
//   - An op still in the queue is taken out and completes with ECANCELED, a code the engine
//     synthesises so that it reads like the kernel's (OpError.Cause says why). It never runs.
//   - A read or write that waits for a pipe, a socket or a terminal to be ready waits in poll(2)
//     together with the worker's wake descriptor, which a cancel signals: it ends with ECANCELED
//     and moves no data.
//   - A Timeout is a timer, not a worker, and a cancel stops it.
//   - Any other op already in its system call (a read of a regular file, fsync, openat, ...)
//     cannot be interrupted: it finishes, and reports its result as any op that completed
//     before its cancel does.
//
// d.mu guards the queue, the timer list, the workers and every op's blockingOp.

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
	blkRunning // in a worker: blockingOp.w
	blkTimer   // a Timeout whose timer is armed, in d.timers
)

// blockingOp is an op's state in the blocking engine. d.mu guards it; opSys.reset leaves it
// alone, since the engine clears it before the op completes.
type blockingOp struct {
	prev, next *op
	gen        uint32
	where      uint8
	w          *worker     // blkRunning: the worker running the op
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

	mu      sync.Mutex
	queue   opList
	timers  opList
	idle    []*worker // waiting for an op, the most recently idle last
	workers []*worker // every worker alive
	wg      sync.WaitGroup
}

// openBlocking opens the blocking engine. It needs nothing from the kernel, so it cannot fail.
func openBlocking(e *Engine, cfg *Config) *blockingDriver {
	n := cfg.Workers
	if n == 0 {
		n = defaultWorkers()
	}
	d := &blockingDriver{e: e, max: n, idleFor: blockingIdle}
	d.setTry()
	return d
}

func (d *blockingDriver) kind() string { return "blocking" }

// worker is one goroutine of the pool.
type worker struct {
	d     *blockingDriver
	wake  chan struct{} // one token when the worker is taken off the idle stack
	timer *time.Timer   // the idle timeout
	cur   *op           // the op it runs; d.mu guards it
	fd    wakeFD        // signalled to interrupt a wait in poll; created on first need
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
	if n := len(d.idle); n > 0 {
		w := d.idle[n-1]
		d.idle = d.idle[:n-1]
		w.wake <- struct{}{}
	} else if len(d.workers) < d.max {
		w := &worker{d: d, wake: make(chan struct{}, 1), fd: noWakeFD}
		d.workers = append(d.workers, w)
		d.wg.Add(1)
		go w.run()
	}
	return true
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
	case blkRunning:
		b.w.fd.signal()
	}
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
	for _, w := range d.workers {
		if o := w.cur; o != nil {
			o.requestCancel(o.sys.blk.gen, causeClosed)
			w.fd.signal()
		}
	}
	for _, w := range d.idle {
		w.wake <- struct{}{} // it finds the engine closing and exits
	}
	d.idle = nil
	d.mu.Unlock()

	for _, c := range cs {
		c.o.requestCancel(c.gen, causeClosed)
		d.completeOp(c.o, c.gen, 0, syscall.ECANCELED)
	}
	d.wg.Wait()
	// What is left: timers that fired and are completing their op, and ops between
	// Engine.prepare and start, which start fails with ErrClosed.
	for d.e.ops.inFlight() > 0 {
		time.Sleep(time.Millisecond)
	}
	return nil
}

// run is a worker's life: take an op from the queue, run it, complete it; wait a while for the
// next one when the queue is empty.
func (w *worker) run() {
	d := w.d
	defer d.wg.Done()
	var (
		o   *op
		gen uint32
		n   int64
		err error
	)
	for {
		d.mu.Lock()
		if o != nil {
			// The op leaves the worker before it completes: once complete, it may start
			// another life.
			o.sys.blk.where, o.sys.blk.w = blkNone, nil
			w.cur = nil
		}
		next := d.queue.pop()
		var nextGen uint32
		if next != nil {
			b := &next.sys.blk
			b.where, b.w = blkRunning, w
			nextGen = b.gen
			w.cur = next
		}
		d.mu.Unlock()
		if o != nil {
			d.completeOp(o, gen, n, err)
		}
		o, gen = next, nextGen
		if o == nil {
			if !w.idleWait() {
				return
			}
			continue
		}
		n, err = w.exec(o)
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

// exit takes the worker out of the pool and releases its wake descriptor. d.mu is held; exit
// releases it.
func (w *worker) exit() {
	d := w.d
	if i := slices.Index(d.workers, w); i >= 0 {
		d.workers = slices.Delete(d.workers, i, i+1)
	}
	fd := w.fd
	w.fd = noWakeFD // cancels stop signalling it
	d.mu.Unlock()
	fd.close()
}

// exec runs o's system calls and returns its result and native error.
func (w *worker) exec(o *op) (int64, error) {
	if o.state.Load()&flagCancel != 0 {
		return 0, syscall.ECANCELED // cancelled before it ran: it never does
	}
	r := &o.req
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
		return 0, err
	}
	return int64(n), nil
}

// stream reads or writes a descriptor at its current position, waiting in poll(2), where a
// cancel can reach it, while the descriptor is not ready.
func (w *worker) stream(o *op, write bool, bufs [][]byte) (int64, error) {
	n, err := w.streamSys(o, write, bufs)
	if err != nil {
		return 0, err
	}
	return int64(n), nil
}

// pollStream waits for the descriptor to be ready, then makes the plain call; again if another
// reader or writer of the descriptor took the readiness first (EAGAIN). On a descriptor in
// blocking mode, that other reader can leave the call blocked beyond a cancel's reach: it ends
// when data comes.
func (w *worker) pollStream(o *op, write bool, bufs [][]byte) (int, error) {
	empty := true
	for _, b := range bufs {
		empty = empty && len(b) == 0
	}
	for {
		// Moving no bytes does not wait, ready or not.
		if !empty {
			if err := w.waitFD(o, o.req.h, write); err != nil {
				return 0, err
			}
		}
		var n int
		var err error
		if write {
			n, err = writev(o.req.h, bufs)
		} else {
			n, err = readv(o.req.h, bufs)
		}
		if err != syscall.EINTR && err != syscall.EAGAIN {
			return n, err
		}
	}
}

// waitFD waits until fd is ready to be read, or written, or until o is cancelled: then it returns
// ECANCELED.
func (w *worker) waitFD(o *op, fd int, write bool) error {
	if fd < 0 {
		return nil // poll would ignore it; the call says EBADF
	}
	if w.fd == noWakeFD {
		// A cancel signals the descriptor if it sees it, and otherwise set the cancel flag
		// before it looked: the check below sees the flag.
		if fd, err := newWakeFD(); err == nil {
			w.d.mu.Lock()
			w.fd = fd
			w.d.mu.Unlock()
		}
	}
	for {
		if o.state.Load()&flagCancel != 0 {
			return syscall.ECANCELED
		}
		fds := [2]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}, {Fd: int32(w.fd.r), Events: unix.POLLIN}}
		if write {
			fds[0].Events = unix.POLLOUT
		}
		nfds, timeout := 2, -1
		if w.fd == noWakeFD {
			nfds, timeout = 1, 50 // short of descriptors: look at the flag every 50ms
		}
		_, err := unix.Poll(fds[:nfds], timeout)
		if err == syscall.EINTR || err == syscall.EAGAIN {
			continue
		}
		if err != nil {
			return err
		}
		if fds[1].Revents != 0 {
			w.fd.drain()
		}
		if fds[0].Revents != 0 {
			// Ready, or POLLHUP, POLLERR, POLLNVAL: the call will say which. (macOS answers
			// POLLNVAL for some devices it cannot poll: their call then blocks as it would.)
			return nil
		}
	}
}

// wakeFD is what a worker's poll watches besides the op's descriptor: an eventfd on Linux (r and
// w the same), a pipe elsewhere.
type wakeFD struct{ r, w int }

var noWakeFD = wakeFD{-1, -1}

var wakeToken = binary.NativeEndian.AppendUint64(nil, 1)

// signal wakes the poll that watches the descriptor, if it has one. d.mu is held, so that the
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
