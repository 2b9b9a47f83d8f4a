//go:build linux && ovio_faults

package ovio_test

// Fault injection into the io_uring engine (go test -tags ovio_faults). Each test makes the
// kernel, through the hooks of internal/fault, answer as it does only under pressure, runs real
// ops through it, and checks the engine's promise: no op lost (every Do returns and every future
// completes, within a time limit), none completed twice (Stats().Ignored counts the completions
// that found no pending op, and each test knows how many it injected; every byte read is
// accounted for), no memory released early (the pins are all dropped after Close, and none
// before: see churn), and nothing left in flight. Each test also counts the faults it injected
// and the states it reached, and fails if it did not reach them: none can pass vacuously.

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ovio/ovio"
	"github.com/ovio/ovio/internal/fault"
	"github.com/ovio/ovio/internal/uring"
)

// faultEngine sets h and opens an io_uring engine under it, as openFaultEngine does.
func faultEngine(t *testing.T, cfg *ovio.Config, h *fault.Hooks, ignored func() uint64) *ovio.Engine {
	t.Helper()
	return openFaultEngine(t, "io_uring", cfg, h, ignored)
}

// The kinds of io_uring_enter, told apart by their arguments. Other sites (the blocking
// engine's preadv2 and poll, which the soak also runs) are none of them.
func isEnter(c *fault.Call) bool { return c.Name == "io_uring_enter" }

func isSubmit(c *fault.Call) bool { return isEnter(c) && c.Args[1] > 0 }

func isWait(c *fault.Call) bool {
	return isEnter(c) && c.Args[1] == 0 && c.Args[3]&uring.EnterGetevents != 0
}

// isFlush is reap's call to move completions from the kernel's overflow list to the ring.
func isFlush(c *fault.Call) bool {
	return isEnter(c) && c.Args[1] == 0 && c.Args[2] == 0 && c.Args[3] == uring.EnterGetevents
}

const churnOps = 20_000

// TestFaultSubmitRetryable makes io_uring_enter fail, when it submits, with the errors the engine
// must retry: EINTR (a signal), EAGAIN (the kernel short of memory), EBUSY (completions backed
// up), and a return of 0 entries submitted without an error.
func TestFaultSubmitRetryable(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
	}{{"EINTR", syscall.EINTR}, {"EAGAIN", syscall.EAGAIN}, {"EBUSY", syscall.EBUSY}, {"none submitted", nil}} {
		t.Run(c.name, func(t *testing.T) {
			var did tally
			e := faultEngine(t, nil, &fault.Hooks{Syscall: func(call *fault.Call) (bool, uintptr, error) {
				if !isSubmit(call) || rand.IntN(3) != 0 {
					return false, 0, nil
				}
				did.add("injected")
				return true, 0, c.err
			}}, nil)
			r := churn(t, e, churnOpts{ops: churnOps, seed: 1})
			did.need(t, "injected", 100)
			t.Logf("%d ops, %d cancelled; %v", r.ops, r.cancelled, &did)
		})
	}
}

// TestFaultSubmitFails makes io_uring_enter fail, when it submits, with an error retrying cannot
// mend (EFAULT): the engine takes back the entries the kernel did not consume and fails their
// ops with the error. Those entries include cancels and linked timeouts, which are lost with
// them, so pending reads whose cancel was lost are fed.
func TestFaultSubmitFails(t *testing.T) {
	var did tally
	e := faultEngine(t, nil, &fault.Hooks{Syscall: func(call *fault.Call) (bool, uintptr, error) {
		if !isSubmit(call) || rand.IntN(50) != 0 {
			return false, 0, nil
		}
		did.add("injected")
		return true, 0, syscall.EFAULT
	}}, nil)
	r := churn(t, e, churnOpts{ops: churnOps, seed: 2, lostCancels: true, allowErr: func(err error) bool {
		var se *os.SyscallError
		var oe *ovio.OpError
		if errors.As(err, &oe) && errors.As(err, &se) && se.Syscall == "io_uring_enter" && errors.Is(err, syscall.EFAULT) {
			did.add("op failed with the error")
			return true
		}
		return false
	}})
	did.need(t, "injected", 10)
	did.need(t, "op failed with the error", 10)
	t.Logf("%d ops, %d cancelled, %d rescued; %v", r.ops, r.cancelled, r.rescued, &did)
}

// TestFaultFullSQ runs many goroutines on a two-entry submission queue while the kernel takes at
// most one entry per io_uring_enter and, a quarter of the time, none: the queue is full, ops wait
// for room, and a deadline's linked timeout is split from its op across two calls.
func TestFaultFullSQ(t *testing.T) {
	var did tally
	e := faultEngine(t, &ovio.Config{Entries: 2}, &fault.Hooks{Syscall: func(call *fault.Call) (bool, uintptr, error) {
		if !isSubmit(call) {
			return false, 0, nil
		}
		if call.Args[1] >= 2 {
			did.add("queue full at submit")
			call.Args[1] = 1
			did.add("partial submit")
		}
		if rand.IntN(4) == 0 {
			did.add("nothing submitted")
			return true, 0, nil
		}
		return false, 0, nil
	}}, nil)
	r := churn(t, e, churnOpts{ops: churnOps, seed: 3, goroutines: 32})
	did.need(t, "queue full at submit", 100)
	did.need(t, "nothing submitted", 100)
	t.Logf("%d ops, %d cancelled; %v", r.ops, r.cancelled, &did)
}

// TestFaultReaperWait makes the engine's waits for completions fail or return early: the
// reaper's io_uring_enter(GETEVENTS), the overflow flush and Close's timed wait. The default mode
// has no eventfd: this wait stands for the eventfd read of other designs (see GUARANTEES.md; the
// single-issuer mode's eventfd read is TestFaultKickReadFails').
func TestFaultReaperWait(t *testing.T) {
	kinds := []struct {
		name string
		err  error
	}{{"EINTR", syscall.EINTR}, {"EAGAIN", syscall.EAGAIN}, {"EBUSY", syscall.EBUSY}, {"early return", nil}}
	var did tally
	e := faultEngine(t, nil, &fault.Hooks{Syscall: func(call *fault.Call) (bool, uintptr, error) {
		if !isWait(call) || rand.IntN(2) == 0 {
			return false, 0, nil
		}
		k := kinds[rand.IntN(len(kinds))]
		did.add(k.name)
		return true, 0, k.err
	}}, nil)
	r := churn(t, e, churnOpts{ops: churnOps, seed: 4})
	for _, k := range kinds {
		did.need(t, k.name, 10)
	}
	t.Logf("%d ops, %d cancelled; %v", r.ops, r.cancelled, &did)
}

// TestFaultCQOverflow shrinks the completion queue to four entries and makes hundreds of ops
// complete at once, so that the kernel keeps completions in its overflow list (IORING_FEAT_NODROP)
// and sets IORING_SQ_CQ_OVERFLOW, and the engine must drain them with GETEVENTS; a third of
// those drains fail with EINTR. Every op must complete once, with its own result.
func TestFaultCQOverflow(t *testing.T) {
	var did tally
	const entries = 4
	e := faultEngine(t, &ovio.Config{Entries: entries}, &fault.Hooks{
		CQEntries: entries,
		Syscall: func(call *fault.Call) (bool, uintptr, error) {
			if call.Status&uring.SQCQOverflow != 0 {
				did.add("overflow flag seen")
			}
			if isFlush(call) {
				did.add("overflow drained")
				if rand.IntN(3) == 0 {
					did.add("drain failed")
					return true, 0, syscall.EINTR
				}
			}
			return false, 0, nil
		},
	}, nil)
	ctx := context.Background()

	// Burst 1: a one-byte read pending on each of many pipes, all fed at once.
	const pipes = 400
	srcs := make([]*pending, pipes)
	futs := make([]*ovio.Op, pipes)
	bufs := make([][]byte, pipes)
	for i := range srcs {
		srcs[i] = newPending(t, e)
		bufs[i] = make([]byte, 1)
		futs[i] = e.Start(ctx, srcs[i].read(bufs[i]))
	}
	waitInFlight(t, e, pipes)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < pipes; i += 4 {
				srcs[i].feed([]byte{byte(i)})
			}
		}(w)
	}
	wg.Wait()
	finished := make(chan struct{})
	go watchdog(finished, time.Minute, "the overflowing reads")
	for i, f := range futs {
		if n, err := f.Result(); n != 1 || err != nil || bufs[i][0] != byte(i) {
			t.Fatalf("read %d: %d, %v, %d", i, n, err, bufs[i][0])
		}
	}
	close(finished)

	// Burst 2: timeouts that all expire at the same moment.
	at := time.Now().Add(100 * time.Millisecond)
	for i := range futs {
		futs[i] = e.Start(ctx, ovio.Timeout(time.Until(at)))
	}
	finished = make(chan struct{})
	go watchdog(finished, time.Minute, "the overflowing timeouts")
	for i, f := range futs {
		if _, err := f.Result(); err != nil {
			t.Fatalf("timeout %d: %v", i, err)
		}
	}
	close(finished)

	r := churn(t, e, churnOpts{ops: churnOps, seed: 5})
	did.need(t, "overflow flag seen", 1)
	did.need(t, "overflow drained", 1)
	t.Logf("%d ops, %d cancelled; %v", r.ops, r.cancelled, &did)
}

// noOp is a user_data that names no op: index 2^32-2, generation 0, which no op ever has.
const noOp = uint64(1<<32-2) << 32

// lostCancels are hooks that redirect cancels to noOp while lose says so, so that the kernel
// answers ENOENT and the op runs on. With answer set, the answer is rewritten to it (EALREADY:
// the kernel found the op running and could only signal it). They count what they did in did.
func lostCancels(did *tally, lose func() bool, answer int32) *fault.Hooks {
	return &fault.Hooks{
		Cancel: func(target uint64) uint64 {
			did.add("cancel asked")
			if !lose() {
				return target
			}
			did.add("cancel lost")
			return noOp
		},
		Completions: func(cs []fault.Completion) []fault.Completion {
			for i := range cs {
				if cs[i].UserData != ovio.UserDataCancel {
					continue
				}
				if cs[i].Res == -int32(syscall.ENOENT) {
					did.add("answered ENOENT")
					if answer != 0 {
						cs[i].Res = answer
						did.add("answer rewritten")
					}
				}
			}
			return cs
		},
	}
}

// TestFaultCancelLost loses cancels: the kernel answers ENOENT (really: the cancel names no op),
// or that answer is turned into EALREADY. Either way the op runs on, and must still complete
// exactly once, by itself: Do keeps waiting after its context ended, Close keeps waiting and
// repeats its cancels every second, and both return once the op completes.
func TestFaultCancelLost(t *testing.T) {
	for _, c := range []struct {
		name   string
		answer int32
	}{{"ENOENT", 0}, {"EALREADY", -int32(syscall.EALREADY)}} {
		t.Run(c.name, func(t *testing.T) {
			t.Run("DoWaits", func(t *testing.T) { testLostCancelDo(t, c.answer) })
			t.Run("CloseRepeats", func(t *testing.T) { testLostCancelClose(t, c.answer, false) })
			t.Run("CloseWaitsForCompletion", func(t *testing.T) { testLostCancelClose(t, c.answer, true) })
			t.Run("Churn", func(t *testing.T) {
				var did tally
				e := faultEngine(t, nil, lostCancels(&did, func() bool { return rand.IntN(2) == 0 }, c.answer), nil)
				r := churn(t, e, churnOpts{ops: churnOps, seed: 6, lostCancels: true})
				did.need(t, "cancel lost", 100)
				did.need(t, "answered ENOENT", 100)
				if r.rescued == 0 {
					t.Error("no pending read outlived its cancel")
				}
				t.Logf("%d ops, %d cancelled, %d rescued; %v", r.ops, r.cancelled, r.rescued, &did)
			})
		})
	}
}

// testLostCancelDo: a Do whose context ends, and whose cancel is lost, waits for the op's own
// completion and reports its result.
func testLostCancelDo(t *testing.T, answer int32) {
	var did tally
	e := faultEngine(t, nil, lostCancels(&did, func() bool { return true }, answer), nil)
	p := newPending(t, e)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	buf := make([]byte, 4)
	type result struct {
		n   int
		err error
	}
	ret := make(chan result, 1)
	go func() {
		n, err := e.Do(ctx, p.read(buf))
		ret <- result{n, err}
	}()
	waitInFlight(t, e, 1)
	cancel()
	waitFor(t, "the lost cancel's answer", func() bool { return did.get("answered ENOENT") == 1 })
	select {
	case r := <-ret:
		t.Fatalf("Do returned (%d, %v) while its op was still in the kernel", r.n, r.err)
	case <-time.After(50 * time.Millisecond):
	}
	p.feed([]byte("late"))
	select {
	case r := <-ret:
		if r.n != 4 || r.err != nil || string(buf) != "late" {
			t.Fatalf("Do after its lost cancel: %d, %v, %q; want the op's own result", r.n, r.err, buf)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Do did not return when its op completed")
	}
	if answer != 0 {
		did.need(t, "answer rewritten", 1)
	}
}

// testLostCancelClose: Close with ops whose cancels are lost keeps waiting, repeating the cancels
// every second. Then either a cancel gets through (forever false), and the ops end cancelled with
// ErrClosed as their cause, or (forever true) the cancels stay lost and the ops end only when
// they complete by themselves, with their results.
func testLostCancelClose(t *testing.T, answer int32, forever bool) {
	var did tally
	var lose atomic.Bool
	lose.Store(true)
	h := lostCancels(&did, lose.Load, answer)
	t.Cleanup(fault.Set(h))
	e, err := ovio.Open(&ovio.Config{Kind: "io_uring"})
	if err != nil {
		t.Fatal(err)
	}
	const k = 8
	srcs := make([]*pending, k)
	futs := make([]*ovio.Op, k)
	for i := range futs {
		srcs[i] = newPending(t, e)
		futs[i] = e.Start(context.Background(), srcs[i].read(make([]byte, 1)))
	}
	waitInFlight(t, e, k)
	closed := make(chan error, 1)
	go func() { closed <- e.Close() }()
	// Two rounds of cancels: the first, and the repeat a second later.
	waitFor(t, "two rounds of lost cancels", func() bool { return did.get("cancel lost") >= 2*k })
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) with %d ops still in the kernel", err, e.Stats().InFlight)
	default:
	}
	if forever {
		for _, p := range srcs {
			p.feed([]byte{'z'})
		}
	} else {
		lose.Store(false)
	}
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return once its ops could end")
	}
	for i, f := range futs {
		n, err := f.Result()
		if forever {
			if n != 1 || err != nil {
				t.Errorf("op %d, whose cancels were all lost: %d, %v; want its own result", i, n, err)
			}
		} else {
			checkCanceled(t, n, err, ovio.ErrClosed)
		}
	}
	if s := e.Stats(); s.InFlight != 0 || s.Ignored != 0 {
		t.Errorf("after Close: %+v", s)
	}
	if n := ovio.PinnedPointers(e); n > 0 {
		t.Errorf("%d pointers pinned after Close", n)
	}
}

// TestFaultCancelAnswerIgnored turns the answers of cancels that worked (0) into ENOENT or
// EALREADY: the engine must rely on the op's own completion only, which says it was cancelled.
func TestFaultCancelAnswerIgnored(t *testing.T) {
	var did tally
	e := faultEngine(t, nil, &fault.Hooks{Completions: func(cs []fault.Completion) []fault.Completion {
		for i := range cs {
			if cs[i].UserData == ovio.UserDataCancel && cs[i].Res == 0 {
				did.add("answer rewritten")
				cs[i].Res = -int32([]syscall.Errno{syscall.ENOENT, syscall.EALREADY}[rand.IntN(2)])
			}
		}
		return cs
	}}, nil)
	p := newPending(t, e)
	for i := 0; i < 20; i++ {
		f := e.Start(context.Background(), p.read(make([]byte, 1)))
		waitInFlight(t, e, 1)
		f.Cancel()
		n, err := f.Result()
		checkCanceled(t, n, err, context.Canceled)
	}
	r := churn(t, e, churnOpts{ops: churnOps, seed: 7})
	did.need(t, "answer rewritten", 20)
	t.Logf("%d ops, %d cancelled; %v", r.ops, r.cancelled, &did)
}

// TestFaultCancelRunning needs no injection: a splice from an empty pipe runs in a kernel worker,
// where a cancel can only signal it, and the kernel answers EALREADY. The op must still
// complete exactly once, and Do return; the hooks only watch.
func TestFaultCancelRunning(t *testing.T) {
	var did tally
	e := faultEngine(t, nil, &fault.Hooks{Completions: func(cs []fault.Completion) []fault.Completion {
		for _, c := range cs {
			if c.UserData == ovio.UserDataCancel && c.Res == -int32(syscall.EALREADY) {
				did.add("answered EALREADY")
			}
		}
		return cs
	}}, nil)
	p := newPending(t, e)
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	for i := 0; i < 5; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		finished := make(chan struct{})
		go watchdog(finished, 30*time.Second, "a cancelled splice")
		n, err := e.Do(ctx, ovio.Prep(func(sqe *ovio.SQE) {
			sqe.Opcode = uring.OpSplice
			sqe.Fd = int32(null.Fd())
			sqe.Off = ^uint64(0)  // off_out -1: no offset
			sqe.Addr = ^uint64(0) // off_in -1
			sqe.Len = 4
			sqe.FileIndex = uint32(p.r) // splice_fd_in
		}))
		close(finished)
		cancel()
		if errors.Is(err, ovio.ErrNotSupported) {
			t.Skip("kernel lacks IORING_OP_SPLICE")
		}
		if n != 0 || err == nil {
			t.Fatalf("splice from an empty pipe, cancelled: %d, %v", n, err)
		}
		// The kernel's worker was interrupted: its error is EINTR or ERESTARTSYS (512), and the
		// cause is the context's.
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("a running op cancelled by its deadline: %v, want the deadline as its cause", err)
		}
	}
	did.need(t, "answered EALREADY", 1)
}

// TestFaultDuplicateCompletions delivers completions the kernel never posts twice: a second copy
// of an op's completion, a copy naming the generation before, and one naming an op that does not
// exist. None may complete an op; each must be counted in Ignored, exactly.
func TestFaultDuplicateCompletions(t *testing.T) {
	var did tally
	var injected atomic.Uint64
	e := faultEngine(t, nil, &fault.Hooks{Completions: func(cs []fault.Completion) []fault.Completion {
		for _, c := range cs {
			if uint32(c.UserData>>32) == ovio.UserDataInternalIdx || c.Flags&uring.CQEFMore != 0 {
				continue
			}
			idx, gen := uint32(c.UserData>>32), uint32(c.UserData)
			switch rand.IntN(8) {
			case 0, 1:
				did.add("duplicate")
				cs = append(cs, c)
			case 2:
				did.add("stale generation")
				c.UserData = ovio.UserData(idx, gen-1)
				cs = append(cs, c)
			case 3:
				did.add("no such op")
				c.UserData = ovio.UserData(1<<30+idx, gen)
				cs = append(cs, c)
			default:
				continue
			}
			injected.Add(1)
		}
		return cs
	}}, injected.Load)
	r := churn(t, e, churnOpts{ops: churnOps, seed: 8})
	for _, k := range []string{"duplicate", "stale generation", "no such op"} {
		did.need(t, k, 100)
	}
	t.Logf("%d ops, %d cancelled; %v", r.ops, r.cancelled, &did)
}

// TestFaultReaperLateToWait widens a window the model (model/op.pml) found: the reaper sees an
// op that needs it, and before its io_uring_enter(GETEVENTS) reaches the kernel, Close reaps
// that op's completion itself, finds nothing in flight, and posts the NOP meant to wake the
// reaper, which Close's own flush reaps at once. The kernel's wait then starts after the last
// completion there will ever be. Close must still stop the reaper and return.
func TestFaultReaperLateToWait(t *testing.T) {
	var armed atomic.Bool
	entering := make(chan struct{}, 1)
	h := &fault.Hooks{Syscall: func(c *fault.Call) (bool, uintptr, error) {
		// The reaper's wait: GETEVENTS for one completion, without a timeout.
		if c.Args[1] == 0 && c.Args[2] == 1 && c.Args[3] == uring.EnterGetevents && armed.CompareAndSwap(true, false) {
			entering <- struct{}{}
			time.Sleep(200 * time.Millisecond) // late to the kernel
		}
		return false, 0, nil
	}}
	t.Cleanup(fault.Set(h))
	e, err := ovio.Open(&ovio.Config{Kind: "io_uring"})
	if err != nil {
		t.Fatal(err)
	}
	p := newPending(t, e)
	armed.Store(true)
	f := e.Start(context.Background(), p.read(make([]byte, 1)))
	select {
	case <-entering:
	case <-time.After(10 * time.Second):
		t.Fatal("the reaper never went to wait for the pending read")
	}
	p.feed([]byte{'x'}) // the completion is posted while the reaper is on its way
	closeWithin(t, e, 20*time.Second)
	if n, err := f.Result(); n != 1 || err != nil {
		t.Errorf("the read: %d, %v", n, err)
	}
	if s := e.Stats(); s.InFlight != 0 || s.Ignored != 0 {
		t.Errorf("after Close: %+v", s)
	}
}

// TestFaultSetupRefused: a kernel that refuses the optional setup flags (EINVAL, as one before
// Linux 5.19 answers COOP_TASKRUN, or EPERM for SQPOLL under a stricter policy) gets a ring
// without them; the engine works, and Config says what it runs with.
func TestFaultSetupRefused(t *testing.T) {
	var refused atomic.Int32
	e := faultEngine(t, &ovio.Config{CoopTaskrun: true, SQPoll: time.Millisecond}, &fault.Hooks{
		Syscall: func(c *fault.Call) (bool, uintptr, error) {
			if c.Name == "io_uring_setup" && c.Args[1]&uintptr(uring.SetupCoopTaskrun|uring.SetupSQPoll) != 0 {
				refused.Add(1)
				return true, 0, syscall.EINVAL
			}
			return false, 0, nil
		},
	}, nil)
	if refused.Load() == 0 {
		t.Fatal("io_uring_setup was never asked for the flags")
	}
	cfg := e.Config()
	if cfg.Kind != "io_uring" || cfg.CoopTaskrun || cfg.SQPoll != 0 {
		t.Errorf("Config: Kind %q, CoopTaskrun %v, SQPoll %v; want io_uring, false, 0", cfg.Kind, cfg.CoopTaskrun, cfg.SQPoll)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for range 100 {
		if _, err := e.Do(ctx, ovio.Nop()); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFaultIssuerRefused: a kernel before Linux 6.1 answers EINVAL to SINGLE_ISSUER |
// DEFER_TASKRUN; an engine asked for the single-issuer mode there runs the plain ring, and
// Config says so.
func TestFaultIssuerRefused(t *testing.T) {
	var refused atomic.Int32
	e := openFaultEngine(t, "io_uring+issuer", nil, &fault.Hooks{
		Syscall: func(c *fault.Call) (bool, uintptr, error) {
			if c.Name == "io_uring_setup" && c.Args[1]&uintptr(uring.SetupSingleIssuer) != 0 {
				refused.Add(1)
				return true, 0, syscall.EINVAL
			}
			return false, 0, nil
		},
	}, nil)
	if refused.Load() == 0 {
		t.Fatal("io_uring_setup was never asked for SINGLE_ISSUER")
	}
	if cfg := e.Config(); cfg.Kind != "io_uring" || cfg.SingleIssuer {
		t.Errorf("Config: Kind %q, SingleIssuer %v; want io_uring, false", cfg.Kind, cfg.SingleIssuer)
	}
	if e.Fallback() != nil {
		t.Errorf("Fallback: %v, want nil: io_uring runs", e.Fallback())
	}
	if _, err := e.Do(context.Background(), ovio.Nop()); err != nil {
		t.Fatal(err)
	}
}
