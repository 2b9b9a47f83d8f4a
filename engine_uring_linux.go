package ovio

// The io_uring engine: how ops reach the submission queue, who calls io_uring_enter, and who
// reaps the completion queue.
//
// Submission. Goroutines prepare their SQE in their op, outside any lock, then copy it into the
// ring under sqMu and publish the tail. Whoever then wins the submitter role (an atomic flag)
// passes every published entry to one io_uring_enter, so that entries queued by concurrent
// goroutines share a system call. A full queue makes the op wait (sqSpace), never fail.
//
// Completion, without an OS thread per op and without spinning. The submitter reaps the
// completion queue right after its io_uring_enter, so that an op the kernel completes inline
// (a NOP, a read from the page cache, an error) is delivered without waking anyone. For each op it
// submitted that is still pending, it sets flagAsync and counts it in needReaper. One reaper
// goroutine per engine sleeps on a channel while that count is zero, and otherwise waits for
// completions in io_uring_enter(GETEVENTS), a blocking system call on one OS thread.
//
// Why not an eventfd read through Go's netpoller: the kernel signals the eventfd for every
// completion, inline ones included, and every signal wakes the netpoller's thread on an idle
// CPU; turning signals off (IORING_CQ_EVENTFD_DISABLED) races with the kernel's unordered read
// of that flag. Waiting in the kernel only while an op needs it costs one thread per engine and
// no wake-up for ops that complete inline.
//
// User data names an op by its index in the engine's table and its generation, never by address.
// Ovio's own entries (cancels, linked timeouts, wake-ups) carry the index udInternal.

import (
	"context"
	"errors"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ovio/ovio/internal/uring"
	"golang.org/x/sys/unix"
)

const (
	udInternal = 1<<32 - 1 // the index of ovio's own entries; the generation says which kind

	udCancel      = 1
	udLinkTimeout = 2
	udWake        = 3
)

func userData(idx, gen uint32) uint64 { return uint64(idx)<<32 | uint64(gen) }

const (
	ringOpen = iota
	ringClosing
	ringClosed
)

// slotRef names the op whose entry sits at one position of the submission queue.
type slotRef struct {
	o   *op
	gen uint32
	// mayBlock says that the kernel may block the submitting thread while it issues the op
	// (see nonBlocking). Recorded by the goroutine that queues the op: once published, the op
	// may complete, and change, before the submitter looks.
	mayBlock bool
}

type uringDriver struct {
	e      *Engine
	ring   *uring.Ring
	probe  *uring.Probe
	extArg bool
	sqPoll bool // a kernel thread polls the submission queue (Config.SQPoll)

	// sqMu guards the producer side of the submission queue: sqTail, sqOps, state, and the
	// entries from the kernel's head to sqTail. sqWaiters changes under it.
	sqMu      sync.Mutex
	sqSpace   sync.Cond
	sqWaiters atomic.Int32
	sqTail    uint32 // where the next entry goes
	pubTail   uint32 // the tail as the kernel sees it; equal to sqTail whenever sqMu is free
	sqOps     []slotRef
	state     int
	// deferring says that the reaper has just woken goroutines and will submit what they
	// queue, in one io_uring_enter, as soon as they have run: see reaper.
	deferring bool
	deferred  atomic.Uint64 // ops left to the reaper to submit, for the tests

	// published is sqTail as last published, for the looks that run without sqMu: the
	// submitter's after it gave up the role, the issuer's before it sleeps. They must not read
	// the ring's own tail: once the role is free, Close may take it and unmap the ring.
	published atomic.Uint32

	submitting atomic.Bool   // the submitter role
	submitted  atomic.Uint32 // entries before this ring position went to io_uring_enter
	batch      []slotRef     // the submitter's copy of what it submits

	// cqMu guards the consumer side of the completion queue.
	cqMu  sync.Mutex
	cqBuf []uring.CQE

	issuer *issuer // the single-issuer mode's state, nil in the default mode

	needReaper atomic.Int64 // pending ops with flagAsync
	reaperWake chan struct{}
	stopping   atomic.Bool
	reaperDone chan struct{}
}

// uringNeeds are the opcodes without which the engine cannot work; the others are checked when an
// op uses them, and refused with ErrNotSupported where the kernel lacks them.
var uringNeeds = []uint8{uring.OpNop, uring.OpRead, uring.OpWrite, uring.OpAsyncCancel}

// uringFeatures are the features without which the engine would be unsafe: NODROP, or a full
// completion queue would lose completions; SUBMIT_STABLE, or the kernel could read an entry
// after io_uring_enter returned.
const uringFeatures = uring.FeatNodrop | uring.FeatSubmitStable

// errUringTooOld reports a kernel whose io_uring lacks what the engine needs.
type errUringTooOld string

func (e errUringTooOld) Error() string        { return "io_uring lacks " + string(e) }
func (e errUringTooOld) Is(target error) bool { return target == ErrNotSupported }

func openUring(e *Engine, cfg *Config) (*uringDriver, error) {
	if cfg.SingleIssuer {
		d, err := openIssuer(e, cfg)
		if err == nil || !errors.Is(err, ErrNotSupported) {
			return d, err
		}
		// A kernel before Linux 6.1: the default mode, as for the other optional setup flags,
		// rather than no io_uring at all; Engine.Config says so.
		cfg.SingleIssuer = false
	}
	flags := uint32(uring.SetupSubmitAll)
	if cfg.CoopTaskrun {
		flags |= uring.SetupCoopTaskrun | uring.SetupTaskrunFlag
	}
	if cfg.SQPoll > 0 {
		flags |= uring.SetupSQPoll
	}
	r, p, err := setupRing(cfg, flags)
	if err != nil {
		return nil, err
	}
	applied(cfg, r)
	d := newUringDriver(e, r, p)
	go d.reaper()
	return d, nil
}

// optionalSetup are the setup flags the engine can do without, in the order it gives them up
// when the kernel refuses them: SUBMIT_ALL (Linux 5.18), COOP_TASKRUN with TASKRUN_FLAG
// (5.19), SQPOLL (unprivileged since 5.13).
var optionalSetup = []uint32{
	uring.SetupSubmitAll,
	uring.SetupCoopTaskrun | uring.SetupTaskrunFlag,
	uring.SetupSQPoll,
}

// applied writes into cfg what the kernel made of it: the ring's size, and the optional setup
// flags it refused (Engine.Config reports them).
func applied(cfg *Config, r *uring.Ring) {
	f := r.Params().Flags
	cfg.Entries = int(r.SQEntries())
	cfg.CoopTaskrun = cfg.CoopTaskrun && f&uring.SetupCoopTaskrun != 0
	if f&uring.SetupSQPoll == 0 {
		cfg.SQPoll = 0
	}
}

// setupRing sets up a ring with flags, and checks that it has what the engine needs.
func setupRing(cfg *Config, flags uint32) (*uring.Ring, *uring.Probe, error) {
	// The kernel's limits: IORING_MAX_ENTRIES for the SQ, twice that for the CQ; beyond them
	// setup fails with EINVAL.
	const maxSQ, maxCQ = 1 << 15, 1 << 16
	entries := uint32(min(cfg.Entries, maxSQ))
	rc := uring.Config{Entries: entries, CQEntries: min(max(4*entries, 1024), maxCQ), Flags: flags}
	if flags&uring.SetupSQPoll != 0 {
		rc.SQThreadIdle = uint32(max(cfg.SQPoll.Milliseconds(), 1))
	}
	faultRingConfig(&rc)
	r, err := newRing(rc)
	for _, opt := range optionalSetup {
		if err == nil || !(errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.EPERM)) {
			break
		}
		if rc.Flags&opt != 0 {
			rc.Flags &^= opt
			r, err = newRing(rc)
		}
	}
	if err != nil {
		return nil, nil, err
	}
	if missing := uringFeatures &^ r.Features(); missing != 0 {
		r.Close()
		return nil, nil, errUringTooOld("features " + strings.Join(uring.FeatureNames(missing), ", ") + " (Linux 5.5)")
	}
	p, err := r.Probe()
	if err != nil {
		r.Close()
		if errors.Is(err, syscall.EINVAL) {
			return nil, nil, errUringTooOld("IORING_REGISTER_PROBE (Linux 5.6)")
		}
		return nil, nil, err
	}
	if missing := p.Missing(uringNeeds...); len(missing) > 0 {
		r.Close()
		return nil, nil, errUringTooOld("opcodes " + strings.Join(missing, ", "))
	}
	return r, p, nil
}

func newUringDriver(e *Engine, r *uring.Ring, p *uring.Probe) *uringDriver {
	d := &uringDriver{
		e:          e,
		ring:       r,
		probe:      p,
		extArg:     r.Features()&uring.FeatExtArg != 0,
		sqPoll:     r.Params().Flags&uring.SetupSQPoll != 0,
		sqOps:      make([]slotRef, r.SQEntries()),
		reaperWake: make(chan struct{}, 1),
		reaperDone: make(chan struct{}),
	}
	d.sqSpace.L = &d.sqMu
	e.try = tryNowait
	return d
}

func (d *uringDriver) kind() string { return "io_uring" }

// opcodeOf maps a request to the opcode the kernel must support for it.
var opcodeOf = [opCount]uint8{
	opNop: uring.OpNop, opRead: uring.OpRead, opWrite: uring.OpWrite, opReadv: uring.OpReadv,
	opWritev: uring.OpWritev, opFsync: uring.OpFsync, opFdatasync: uring.OpFsync,
	opOpenat: uring.OpOpenat, opClose: uring.OpClose, opStatx: uring.OpStatx,
	opFallocate: uring.OpFallocate, opTimeout: uring.OpTimeout,
}

// prep fills the op's SQE from its request and pins its memory, outside any lock. It returns an
// error for an op that must not reach the kernel.
func (d *uringDriver) prep(o *op, gen uint32) (err error) {
	s := &o.sys
	sqe := &s.sqe
	*sqe = uring.SQE{}
	r := o.req
	fd := int32(r.h)
	switch r.code {
	case opNop:
		sqe.PrepNop()
	case opRead:
		sqe.PrepRead(fd, r.buf, uint64(r.off))
	case opWrite:
		sqe.PrepWrite(fd, r.buf, uint64(r.off))
	case opReadv, opWritev:
		for _, b := range r.bufs {
			v := unix.Iovec{}
			if len(b) > 0 {
				v.Base = &b[0]
				v.SetLen(len(b))
			}
			s.iov = append(s.iov, v)
		}
		if len(s.iov) > 0 {
			o.pin.Pin(&s.iov[0])
		}
		if r.code == opReadv {
			sqe.PrepReadv(fd, s.iov, uint64(r.off))
		} else {
			sqe.PrepWritev(fd, s.iov, uint64(r.off))
		}
	case opFsync:
		sqe.PrepFsync(fd, 0)
	case opFdatasync:
		sqe.PrepFsync(fd, uring.FsyncDatasync)
	case opOpenat, opStatx:
		s.path = append(append(s.path[:0], r.path...), 0)
		o.pin.Pin(&s.path[0])
		if r.code == opOpenat {
			sqe.PrepOpenat(fd, &s.path[0], r.flags, r.mode)
		} else {
			sqe.PrepStatx(fd, &s.path[0], r.flags, r.mode, r.sys.stat)
		}
	case opClose:
		sqe.PrepClose(fd)
	case opFallocate:
		sqe.PrepFallocate(fd, r.mode, uint64(r.off), uint64(r.length))
	case opTimeout:
		s.ts = unix.NsecToTimespec(max(r.length, 0))
		o.pin.Pin(&s.ts)
		sqe.PrepTimeout(&s.ts, 0, 0)
	case opNative:
		if err := callPrep(r.sys.prep, sqe); err != nil {
			return err
		}
		r.sys.name = strings.ToLower(uring.OpName(sqe.Opcode))
		if sqe.Flags&(uring.SQEIOLink|uring.SQEIOHardlink|uring.SQECQESkipSuccess) != 0 {
			return argError("the SQE sets IOSQE_IO_LINK, IOSQE_IO_HARDLINK or IOSQE_CQE_SKIP_SUCCESS, which ovio owns")
		}
		if !d.probe.Supported(sqe.Opcode) {
			return notSupported("io_uring opcode " + uring.OpName(sqe.Opcode))
		}
	}
	if r.code != opNative && !d.probe.Supported(opcodeOf[r.code]) {
		return notSupported("io_uring opcode " + uring.OpName(opcodeOf[r.code]))
	}
	sqe.UserData = userData(o.idx, gen)
	// A context deadline becomes a linked timeout: when it passes, the kernel cancels the op
	// itself, without the round trip of a Go timer, a goroutine and an ASYNC_CANCEL.
	s.linked = false
	if !o.deadline.IsZero() && r.code != opNop && r.code != opTimeout && d.probe.Supported(uring.OpLinkTimeout) {
		left := int64(time.Until(o.deadline))
		if left <= 0 {
			return context.DeadlineExceeded
		}
		s.lts = unix.NsecToTimespec(left)
		o.pin.Pin(&s.lts)
		sqe.Flags |= uring.SQEIOLink
		s.linked = true
	}
	o.pinRequest()
	return nil
}

// callPrep runs a caller's prep function; a panic in it becomes the op's error and is raised
// again after the op was completed, so that the op is not left pending.
func callPrep(prep func(*SQE), sqe *SQE) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &prepPanic{p}
		}
	}()
	prep(sqe)
	return nil
}

type prepPanic struct{ v any }

func (p *prepPanic) Error() string { return "prep function panicked" }

func (d *uringDriver) start1(o *op) {
	gen := genOf(o.state.Load())
	if !d.prepOrFail(o, gen) {
		return
	}
	d.sqMu.Lock()
	if !d.put(o, gen) {
		d.sqMu.Unlock()
		o.complete(gen, 0, ErrClosed)
		return
	}
	if d.deferring {
		d.sqMu.Unlock() // the reaper submits it
		d.deferred.Add(1)
		return
	}
	if d.submitting.CompareAndSwap(false, true) {
		d.submit() // and unlocks sqMu
		return
	}
	d.sqMu.Unlock()
	d.kick()
}

// start queues the ops under one lock per chunk of 64, then passes them to the kernel together.
// Each op's generation is read once, first: once an op is queued or completed, it may complete,
// be released and start a new life in another goroutine.
func (d *uringDriver) start(ops []*op) {
	var gens [64]uint32
	queued, deferred := false, false
	for len(ops) > 0 {
		chunk := ops[:min(len(ops), len(gens))]
		ops = ops[len(chunk):]
		var ok, closed uint64
		need := uint32(0)
		for i, o := range chunk {
			gens[i] = genOf(o.state.Load())
			if d.prepOrFail(o, gens[i]) {
				ok |= 1 << i
				need += entriesOf(o)
			}
		}
		d.sqMu.Lock()
		// Room for the whole chunk at once where it fits in the queue; else op by op.
		roomed := need <= d.ring.SQEntries() && d.room(need, false)
		for i, o := range chunk {
			if ok&(1<<i) == 0 {
				continue
			}
			if d.queue(o, gens[i], roomed) {
				queued = true
			} else {
				closed |= 1 << i
			}
		}
		d.publishTail() // once for the chunk: the tail is a store the kernel's side must see
		deferred = d.deferring
		d.sqMu.Unlock()
		for i, o := range chunk {
			if closed&(1<<i) != 0 {
				o.complete(gens[i], 0, ErrClosed)
			}
		}
	}
	// Nothing of ours to submit (the engine is closing, say), or the reaper submits it.
	if queued && !deferred {
		d.flush()
	} else if queued {
		d.deferred.Add(1)
	}
}

// prepOrFail preps o and reports true, or completes it with the error and reports false.
func (d *uringDriver) prepOrFail(o *op, gen uint32) bool {
	err := d.prep(o, gen)
	if err == nil {
		return true
	}
	o.complete(gen, 0, err)
	if p, ok := err.(*prepPanic); ok {
		panic(p.v)
	}
	return false
}

// put copies o's entries into the submission queue, waiting for room, and publishes them. It
// reports false if the engine is closing. d.sqMu is held.
func (d *uringDriver) put(o *op, gen uint32) bool {
	if !d.queue(o, gen, false) {
		return false
	}
	d.publishTail()
	return true
}

// queue is put without the publication of the tail, for a caller that queues several ops and
// then publishes them together (publishTail) before it unlocks d.sqMu. roomed says that the
// caller made room for o already. d.sqMu is held.
func (d *uringDriver) queue(o *op, gen uint32, roomed bool) bool {
	if !roomed && !d.room(entriesOf(o), false) {
		return false
	}
	pos := d.sqTail
	*d.ring.SQE(pos) = o.sys.sqe
	d.sqOps[pos&(uint32(len(d.sqOps))-1)] = slotRef{o, gen, mayBlock(o.req.code)}
	pos++
	if o.sys.linked {
		sqe := d.ring.SQE(pos)
		*sqe = uring.SQE{}
		sqe.PrepLinkTimeout(&o.sys.lts, 0)
		sqe.UserData = userData(udInternal, udLinkTimeout)
		d.sqOps[pos&(uint32(len(d.sqOps))-1)] = slotRef{}
		pos++
	}
	// Published: the kernel may have the op once the tail is stored. The other engines set
	// flagPublished with an atomic Or, which also orders the starter's writes to the op before
	// the completer's reads. Here the one reader that needs it, cancelInFlight, holds sqMu as
	// we do, so a plain field serves; and the order comes from d.published, stored before the
	// kernel can see the entry and loaded by reap before it delivers (see publishTail). That
	// spares a locked instruction per op.
	o.sys.pubGen = gen
	d.sqTail = pos
	return true
}

// entriesOf says how many entries of the submission queue o takes: its own, and its linked
// timeout's.
func entriesOf(o *op) uint32 {
	if o.sys.linked {
		return 2
	}
	return 1
}

// setTail publishes the entries before ring position pos. d.sqMu is held.
func (d *uringDriver) setTail(pos uint32) {
	d.sqTail = pos
	d.publishTail()
}

// publishTail makes the entries queued before d.sqTail visible to the kernel. d.sqMu is held,
// and whoever queued entries calls it before it lets go of d.sqMu: a goroutine that takes the
// lock then finds the ring's tail and sqTail equal.
func (d *uringDriver) publishTail() {
	if d.pubTail != d.sqTail {
		d.pubTail = d.sqTail
		// published first: whoever delivers a completion of these entries loads it after the
		// kernel saw them, and so after this store (see queue).
		d.published.Store(d.sqTail)
		d.ring.SetSQTail(d.sqTail)
	}
}

// putInternal queues one of ovio's own entries. d.sqMu is held.
func (d *uringDriver) putInternal(kind uint32, prep func(*uring.SQE)) bool {
	if !d.room(1, true) {
		return false
	}
	pos := d.sqTail
	sqe := d.ring.SQE(pos)
	*sqe = uring.SQE{}
	prep(sqe)
	faultInternalSQE(kind, sqe)
	sqe.UserData = userData(udInternal, kind)
	d.sqOps[pos&(uint32(len(d.sqOps))-1)] = slotRef{}
	d.setTail(pos + 1)
	return true
}

// room waits until need entries are free in the submission queue. It reports false if the
// engine is closing (closed, for internal entries, which Close itself still needs). d.sqMu is
// held; it is released while waiting.
func (d *uringDriver) room(need uint32, internal bool) bool {
	for {
		if d.state == ringClosed || (d.state == ringClosing && !internal) {
			return false
		}
		if d.sqTail-d.ring.SQHead()+need <= d.ring.SQEntries() {
			return true
		}
		// Every way below lets go of d.sqMu, and the kernel must see what we queued already:
		// it may be what makes the room.
		d.publishTail()
		if d.sqPoll {
			// The kernel's thread makes room as it consumes entries, and no io_uring_enter
			// follows to wake waiters: wait in the kernel for room (IORING_ENTER_SQ_WAIT),
			// after making sure that the thread is awake. The ring outlives the wait: Close
			// waits for this op, which is in flight.
			d.sqMu.Unlock()
			d.flush()
			d.ring.Enter(0, 0, uring.EnterSQWait)
			d.sqMu.Lock()
			continue
		}
		if !d.submitting.Load() {
			// Nobody is entering the kernel: make room ourselves.
			d.sqMu.Unlock()
			d.flush()
			d.sqMu.Lock()
			continue
		}
		// Count ourselves, then look again: a submitter that entered the kernel before our count
		// was visible skips the broadcast, but its entries are consumed by then.
		d.kick()
		d.sqWaiters.Add(1)
		if d.sqTail-d.ring.SQHead()+need > d.ring.SQEntries() {
			d.sqSpace.Wait() // the submitter broadcasts under sqMu after its io_uring_enter
		}
		d.sqWaiters.Add(-1)
	}
}

// flush passes every published entry to the kernel, unless another goroutine holds the
// submitter role: then that goroutine will, since it looks again after giving the role up.
func (d *uringDriver) flush() {
	if d.submitting.CompareAndSwap(false, true) {
		d.sqMu.Lock()
		d.submit()
		return
	}
	d.kick()
}

// submit enters what is queued, reaps, and hands what did not complete inline to the reaper,
// until nothing is left queued. The caller holds the submitter role and d.sqMu; submit releases
// both.
func (d *uringDriver) submit() {
	for {
		from, to := d.submitted.Load(), d.sqTail
		d.batch = d.batch[:0]
		mask := uint32(len(d.sqOps)) - 1
		for pos := from; pos != to; pos++ {
			d.batch = append(d.batch, d.sqOps[pos&mask])
		}
		d.sqMu.Unlock()
		if from != to {
			d.enter(from, to, nonBlocking(d.batch))
			if d.sqWaiters.Load() > 0 {
				d.sqMu.Lock()
				d.sqSpace.Broadcast()
				d.sqMu.Unlock()
			}
			d.reap()
			d.handOff(d.batch)
		}
		d.submitting.Store(false)
		// Entries queued while we held the role are ours to submit if nobody took it since.
		// From here until we hold the role again, the ring is not ours to touch: Close may have
		// taken the role and unmapped it. So the look is at published, which is Go memory; a
		// goroutine that published after it failed to take the role (that failure is before
		// our Store, its publication before its failure), so we see its entries.
		if d.published.Load() == d.submitted.Load() || !d.submitting.CompareAndSwap(false, true) {
			return
		}
		d.sqMu.Lock()
	}
}

// mayBlock says whether the kernel may block the submitting thread while it issues an op of
// this code. io_uring issues reads and writes without blocking and hands what would block to
// its workers; NOPs and timeouts do not wait; others (a close that flushes, a caller's own SQE)
// may run inline and wait. ovio's own entries (cancels, linked timeouts, NOPs) do not.
func mayBlock(code opCode) bool {
	switch code {
	case opNop, opRead, opWrite, opReadv, opWritev, opTimeout:
		return false
	}
	return true
}

// nonBlocking reports whether the kernel issues every entry of refs without blocking.
func nonBlocking(refs []slotRef) bool {
	for _, ref := range refs {
		if ref.mayBlock {
			return false
		}
	}
	return true
}

// enter submits the entries at ring positions [from, to). The submitter role is held. raw says
// that the kernel will not block in the submission (see nonBlocking): then the call keeps this
// goroutine's P, which spares a thread hand-off when the kernel takes long.
func (d *uringDriver) enter(from, to uint32, raw bool) {
	if d.sqPoll {
		// The kernel's thread takes the entries from the published tail; it needs a system
		// call only to wake it when it sleeps. The tail was stored before this load of the
		// flags, and the thread sets the flag before it looks at the tail a last time: one of
		// us sees the other (Go's atomics are sequentially consistent).
		if d.ring.SQFlags()&uring.SQNeedWakeup != 0 {
			d.ring.Enter(0, 0, uring.EnterSQWakeup)
		}
		d.submitted.Store(to)
		return
	}
	for from != to {
		var n int
		var err error
		if raw {
			n, err = d.ring.Submit(to - from)
		} else {
			n, err = d.ring.Enter(to-from, 0, 0)
		}
		switch {
		case err == nil && n > 0:
			from += uint32(n)
			d.submitted.Store(from)
		case err == nil, err == syscall.EAGAIN, err == syscall.EBUSY:
			// The kernel is short of request memory, or completions wait in its overflow list:
			// reaping flushes them. Then try again.
			d.reap()
			runtime.Gosched()
		case err == syscall.EINTR:
		default:
			d.abandon(os.NewSyscallError("io_uring_enter", err))
			return
		}
	}
}

// abandon fails the ops whose entries the kernel did not take after io_uring_enter failed in a
// way that retrying will not mend, and takes those entries back. The submitter role is held, so
// no io_uring_enter can read the queue meanwhile.
func (d *uringDriver) abandon(err error) {
	d.sqMu.Lock()
	head := d.ring.SQHead()
	var failed []slotRef
	mask := uint32(len(d.sqOps)) - 1
	for pos := head; pos != d.sqTail; pos++ {
		if ref := d.sqOps[pos&mask]; ref.o != nil {
			failed = append(failed, ref)
		}
	}
	d.setTail(head)
	d.submitted.Store(head)
	d.sqSpace.Broadcast()
	d.sqMu.Unlock()
	for _, ref := range failed {
		ref.o.complete(ref.gen, 0, err)
	}
}

// handOff gives the reaper the ops of a submitted batch that did not complete inline.
func (d *uringDriver) handOff(refs []slotRef) {
	for _, ref := range refs {
		if ref.o != nil && ref.o.markAsync(ref.gen) {
			if d.needReaper.Add(1) == 1 {
				select {
				case d.reaperWake <- struct{}{}:
				default:
				}
			}
		}
	}
}

// reap delivers every completion in the completion queue.
// It reports how many completions it found, ovio's own included.
func (d *uringDriver) reap() int {
	found := 0
	d.cqMu.Lock()
	for {
		head, tail := d.ring.CQHead(), d.ring.CQTail()
		if head == tail {
			if d.ring.SQFlags()&(uring.SQCQOverflow|uring.SQTaskrun) == 0 {
				break
			}
			// Completions wait in the kernel's overflow list, or as work the kernel runs when
			// a thread enters it (Config.CoopTaskrun): GETEVENTS moves them to the ring.
			d.ring.Enter(0, 0, uring.EnterGetevents)
			if d.ring.CQTail() == head {
				break
			}
			continue
		}
		// Copy the entries out and hand the slots back before delivering, which wakes goroutines.
		buf := d.cqBuf[:0]
		for ; head != tail; head++ {
			buf = append(buf, d.ring.CQE(head))
		}
		d.ring.SetCQHead(head)
		found += len(buf)
		buf = faultCQEs(buf)
		// The ops' starters stored published after they wrote the ops and before the kernel
		// could see them: this load orders those writes before our reads and writes of the ops,
		// for the memory model and the race detector (the kernel's rings are invisible to both).
		d.published.Load()
		var st settler
		var async int64
		for _, c := range buf {
			async += d.dispatch(c, &st)
		}
		if async != 0 {
			d.needReaper.Add(-async)
		}
		st.flush()
		d.cqBuf = buf
	}
	d.cqMu.Unlock()
	return found
}

// dispatch delivers one completion, leaving st to settle its op's room and waiter. It returns
// 1 if the op was one the reaper waited for (flagAsync), else 0. d.cqMu is held.
func (d *uringDriver) dispatch(c uring.CQE, st *settler) (async int64) {
	idx, gen := uint32(c.UserData>>32), uint32(c.UserData)
	if idx == udInternal {
		if gen == udKick && d.issuer != nil {
			d.issuer.armed = false // the issuer's own: it re-arms
		}
		return 0 // cancels (0, ENOENT, EALREADY), linked timeouts and wake-ups: nothing waits on them
	}
	o := d.e.ops.get(idx)
	if o == nil {
		d.e.ignored.Add(1)
		return 0
	}
	// A completion of a generation that is not pending (stale, duplicated, foreign) changes
	// nothing. (What orders the starter's writes before our reads is reap's load of published.)
	s := o.state.Load()
	if genOf(s) != gen || s&stMask != stPending {
		d.e.ignored.Add(1)
		return 0
	}
	res := c.Res
	if c.Flags&uring.CQEFMore != 0 {
		// More completions follow for this op (a zero-copy send's notification, a multishot
		// op): the memory stays the kernel's until the last.
		if !o.sys.hasMore {
			o.sys.hasMore, o.sys.moreRes = true, res
		}
		return 0
	}
	if o.sys.hasMore && c.Flags&uring.CQEFNotif != 0 {
		res = o.sys.moreRes
	}
	var n int64
	var err error
	switch {
	case res >= 0:
		n = int64(res)
	case o.req.code == opTimeout && res == -int32(syscall.ETIME):
		// The timeout expired: that is what it was asked to do.
	default:
		err = syscall.Errno(-res)
	}
	// The kernel's one completion of this generation, delivered under cqMu: see completeSole.
	if o.completeSole(s, n, err, st)&flagAsync != 0 {
		return 1
	}
	return 0
}

// reaper waits for the completions of ops that nobody reaps inline.
func (d *uringDriver) reaper() {
	defer close(d.reaperDone)
	var backoff time.Duration
	for !d.stopping.Load() {
		if d.needReaper.Load() == 0 {
			<-d.reaperWake
			continue
		}
		// Blocks this goroutine's thread in the kernel until a completion is posted.
		_, err := d.ring.Enter(0, 1, uring.EnterGetevents)
		if d.reap() > 0 {
			backoff = 0
			// The goroutines just woken wait in this P's run queue; blocking in the kernel
			// again first would leave them there until the runtime takes the P back from the
			// system call (20 us to 10 ms). Let them run.
			//
			// What they queue meanwhile waits for us to submit it, all in one io_uring_enter,
			// rather than each in its own: at a high queue depth, a batch of reads costs the
			// kernel one block-layer plug and one doorbell to the device, not one each. The wait
			// is until this goroutine runs again, as it must before it can reap anything more.
			d.sqMu.Lock()
			d.deferring = true
			d.sqMu.Unlock()
			runtime.Gosched()
			d.sqMu.Lock()
			d.deferring = false
			d.sqMu.Unlock()
			d.flush()
			continue
		}
		if err == nil || err == syscall.EINTR {
			backoff = 0
			continue
		}
		// The wait failed at once and nothing completed. Failing the ops is not ours to do: the
		// kernel still has them, and their memory. A wait that keeps failing (no kernel is known
		// to) would make this loop spin on a CPU, so it backs off, up to 10 ms, and polls the
		// completion queue meanwhile, which is all the wait adds.
		backoff = min(max(2*backoff, 50*time.Microsecond), 10*time.Millisecond)
		time.Sleep(backoff)
	}
}

func (d *uringDriver) cancel(o *op, gen uint32) {
	d.sqMu.Lock()
	ok := d.putInternal(udCancel, func(sqe *uring.SQE) { sqe.PrepCancel(userData(o.idx, gen), 0) })
	d.sqMu.Unlock()
	if ok {
		d.flush()
	}
}

// cancelInFlight asks the kernel to cancel every published op in flight, with the cause
// closed. The first time, only ops nobody asked to cancel yet; later, all of them again.
func (d *uringDriver) cancelInFlight(first bool) {
	d.sqMu.Lock()
	d.e.ops.each(func(o *op) {
		s := o.state.Load()
		if s&stMask != stPending || o.sys.pubGen != genOf(s) {
			return // not in flight, or not yet queued: it fails with ErrClosed when it is
		}
		if gen := genOf(s); o.requestCancel(gen, causeClosed) || !first {
			d.putInternal(udCancel, func(sqe *uring.SQE) { sqe.PrepCancel(userData(o.idx, gen), 0) })
		}
	})
	d.sqMu.Unlock()
	d.flush()
}

func (d *uringDriver) close() error {
	if d.issuer != nil {
		return d.closeIssuer()
	}
	d.sqMu.Lock()
	d.state = ringClosing
	d.sqSpace.Broadcast()
	d.sqMu.Unlock()

	// Cancel whatever is in flight, then reap until nothing is; repeat the cancels every second
	// for ops that outlive them.
	d.cancelInFlight(true)
	again := time.Now().Add(time.Second)
	for d.e.ops.inFlight() > 0 {
		d.flush()
		if d.extArg {
			d.ring.EnterTimeout(0, 1, int64(10*time.Millisecond))
		} else {
			time.Sleep(time.Millisecond)
		}
		d.reap()
		if time.Now().After(again) {
			d.cancelInFlight(false)
			again = time.Now().Add(time.Second)
		}
	}

	d.stopReaper()

	d.sqMu.Lock()
	d.state = ringClosed
	d.sqSpace.Broadcast()
	d.sqMu.Unlock()
	for !d.submitting.CompareAndSwap(false, true) {
		runtime.Gosched() // a last flush is leaving
	}
	return d.ring.Close()
}
