package ovio

// The single-issuer mode of the io_uring engine (Config.SingleIssuer).
//
// Reads and writes finish their completion as task work on the thread that submitted them. With
// Go's threads, that thread may be asleep or running other code, and the kernel wakes or
// interrupts it for every completion. With IORING_SETUP_SINGLE_ISSUER | DEFER_TASKRUN, the kernel
// defers that work until the one thread allowed to enter the ring asks for completions, and then
// runs it in a batch.
//
// So one goroutine, the issuer, is locked to an OS thread for the engine's life and does every
// io_uring_enter. It holds the submitter role for good: the default mode's paths stay as they
// are, except that a goroutine that queues an entry and cannot take the role kicks the issuer
// instead. The issuer waits in the kernel (GETEVENTS) when it has nothing to submit; a read of an
// eventfd is kept pending in the ring, so that a kick — a write to the eventfd — completes it and
// wakes the issuer. A kick costs a system call only when the issuer sleeps.

import (
	"errors"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ovio/ovio/internal/uring"
	"golang.org/x/sys/unix"
)

const udKick = 4 // the issuer's read of its eventfd

// issuer is the single-issuer mode's state.
type issuer struct {
	sleeping atomic.Bool // the issuer waits in the kernel with nothing to submit
	// efd is the eventfd whose write wakes the issuer; -1 once closed. efdMu orders a kick's
	// write before the issuer's close of efd, or after it (then the kick sees -1 and does not
	// write): see kick.
	efdMu sync.Mutex
	efd   int
	buf   [8]byte // where the pending read of efd lands; pinned
	pin   runtime.Pinner
	armed bool       // a read of efd is in the ring; the issuer's alone
	done  chan error // the issuer's exit, with the ring's Close error
}

func openIssuer(e *Engine, cfg *Config) (*uringDriver, error) {
	type result struct {
		d   *uringDriver
		err error
	}
	ready := make(chan result, 1)
	go func() {
		// Locked for good: the ring accepts io_uring_enter from this thread only, and the thread
		// ends with this goroutine.
		runtime.LockOSThread()
		r, p, err := setupRing(cfg, uring.SetupSingleIssuer|uring.SetupDeferTaskrun|uring.SetupSubmitAll)
		if err != nil {
			err = issuerSetupError(err)
			ready <- result{err: err}
			return
		}
		efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
		if err != nil {
			r.Close()
			ready <- result{err: os.NewSyscallError("eventfd", err)}
			return
		}
		applied(cfg, r)
		d := newUringDriver(e, r, p)
		d.issuer = &issuer{efd: efd, done: make(chan error, 1)}
		d.submitting.Store(true)
		ready <- result{d: d}
		d.issue()
	}()
	res := <-ready
	return res.d, res.err
}

// issuerSetupError says why the single-issuer ring did not set up. The kernel answers EINVAL to
// setup flags it does not know: here IORING_SETUP_DEFER_TASKRUN, which came last (Linux 6.1), so
// the kernel is too old for the mode: ErrNotSupported, on which openUring runs the plain ring
// (and classifyUring, should it see it, says ReasonTooOld, not ReasonOther).
func issuerSetupError(err error) error {
	if errors.Is(err, syscall.EINVAL) {
		return errUringTooOld("IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN (Linux 6.1)")
	}
	return err
}

// issue is the issuer's loop: submit what is queued, run the kernel's deferred completion work,
// deliver what completed; sleep in the kernel when there is nothing to submit.
func (d *uringDriver) issue() {
	is := d.issuer
	is.pin.Pin(&is.buf)
	defer func() {
		err := d.ring.Close()
		is.efdMu.Lock()
		unix.Close(is.efd)
		is.efd = -1
		is.efdMu.Unlock()
		is.pin.Unpin()
		is.done <- err
	}()
	for {
		d.sqMu.Lock()
		// Re-arm the kick's read where there is room: the issuer must never wait for room,
		// since only the issuer makes it. Without room there is something to submit anyway.
		if !is.armed && d.state != ringClosed && d.sqTail-d.ring.SQHead() < d.ring.SQEntries() {
			is.armed = d.putInternal(udKick, func(sqe *uring.SQE) { sqe.PrepRead(int32(is.efd), is.buf[:], 0) })
		}
		from, to := d.submitted.Load(), d.sqTail
		d.sqMu.Unlock()
		var wait uint32
		if from == to {
			if d.stopping.Load() {
				return
			}
			// Say we sleep, then look again: a goroutine that queued after our look sees the
			// flag and kicks.
			is.sleeping.Store(true)
			if d.published.Load() != d.submitted.Load() || d.stopping.Load() || !is.armed {
				is.sleeping.Store(false)
				continue
			}
			wait = 1
		}
		n, err := d.ring.Enter(to-from, wait, uring.EnterGetevents)
		is.sleeping.Store(false)
		switch {
		case err == nil:
			d.submitted.Store(from + uint32(n))
		case err == syscall.EINTR, err == syscall.EAGAIN, err == syscall.EBUSY:
			// Interrupted, or short of memory, or completions wait in the overflow list: reaping
			// flushes them; then try again.
		default:
			d.abandon(os.NewSyscallError("io_uring_enter", err))
		}
		if d.sqWaiters.Load() > 0 {
			d.sqMu.Lock()
			d.sqSpace.Broadcast()
			d.sqMu.Unlock()
		}
		// No Gosched here, unlike the reaper: this goroutine is locked to its thread, and a
		// yield costs a hand-off between threads each way; the goroutines it woke are taken
		// by idle Ps, or when the runtime takes this P back from the system call.
		d.reap()
	}
}

// kick wakes the issuer if it sleeps in the kernel; it does nothing in the default mode.
//
// The write is under efdMu, and only while efd is open. Without that, a kick could win its
// CAS, be delayed, and write after the issuer saw stopping and closed efd: into a closed
// descriptor, or one the process has since opened for something else. The issuer closes efd
// under efdMu too and marks it closed, so every write happens before the close or not at all.
// Only a kick that won the CAS (one per sleep of the issuer) takes the lock, so the common kick
// stays one atomic load. A kick that finds efd closed is not needed: the issuer is gone.
func (d *uringDriver) kick() {
	if is := d.issuer; is != nil && is.sleeping.Load() && is.sleeping.CompareAndSwap(true, false) {
		one := [8]byte{1}
		is.efdMu.Lock()
		if is.efd >= 0 {
			unix.Write(is.efd, one[:])
		}
		is.efdMu.Unlock()
	}
}

// closeIssuer is close for the single-issuer mode: the issuer keeps reaping while Close waits,
// and closes the ring itself.
func (d *uringDriver) closeIssuer() error {
	d.sqMu.Lock()
	d.state = ringClosing
	d.sqSpace.Broadcast()
	d.sqMu.Unlock()
	d.cancelInFlight(true)
	again := time.Now().Add(time.Second)
	for d.e.ops.inFlight() > 0 {
		time.Sleep(time.Millisecond)
		if time.Now().After(again) {
			d.cancelInFlight(false)
			again = time.Now().Add(time.Second)
		}
	}
	// Closed before the issuer goes: nothing may be queued into a ring being unmapped.
	d.sqMu.Lock()
	d.state = ringClosed
	d.sqSpace.Broadcast()
	d.sqMu.Unlock()
	d.stopping.Store(true)
	d.kick()
	return <-d.issuer.done
}
