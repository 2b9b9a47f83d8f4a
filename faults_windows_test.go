//go:build windows && ovio_faults

package ovio_test

// Fault injection into the IOCP engine (go test -tags ovio_faults; under Wine 8 in CI, see
// WINDOWS.md). As for io_uring (faults_linux_test.go), each test makes the system answer, through
// the hooks of internal/fault, as it does only under pressure or when a race goes one way, runs
// real ops through it, and checks the engine's promise: every op completes exactly once (every
// Do returns, every future is done, within a time limit; every byte fed is read once), Close
// ends, nothing is left in flight or pinned, and Stats().Ignored counts exactly the packets the
// test injected. Each test also counts what it injected and the states it reached, and fails
// below a minimum, so that none passes without its fault.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ovio/ovio"
	"github.com/ovio/ovio/internal/fault"
	"github.com/ovio/ovio/internal/iocp"
	"golang.org/x/sys/windows"
)

const iocpChurnOps = 10_000

// nowhere is an OVERLAPPED no request ever uses: a CancelIoEx pointed at it finds nothing, and
// a packet naming it is foreign. (Not nil: CancelIoEx with no OVERLAPPED cancels every request
// of the handle.) A package variable, so that it lives on the heap for the whole run.
var nowhere = new(windows.Overlapped)

// lostIOCPCancels are hooks under which CancelIoEx finds nothing while lose says so: with real
// set, the cancel is pointed at nowhere and the system itself answers ERROR_NOT_FOUND; without,
// the hook answers ERROR_NOT_FOUND in its place. The op runs on either way. They count in did:
// "CancelIoEx", "cancel lost", "ERROR_NOT_FOUND from the system for a lost cancel" and "a
// cancel too late" (the system's ERROR_NOT_FOUND for an op that was already completing).
func lostIOCPCancels(did *tally, lose func() bool, real bool) *fault.Hooks {
	return &fault.Hooks{Syscall: func(c *fault.Call) (bool, uintptr, error) {
		if c.Name != "CancelIoEx" {
			return false, 0, nil
		}
		did.add("CancelIoEx")
		if !lose() {
			c.Done = func(_ uintptr, err error) {
				if err == windows.ERROR_NOT_FOUND {
					did.add("a cancel too late")
				}
			}
			return false, 0, nil
		}
		did.add("cancel lost")
		if !real {
			return true, 0, windows.ERROR_NOT_FOUND
		}
		c.Args[1] = iocp.Addr(nowhere)
		c.Done = func(_ uintptr, err error) {
			if err == windows.ERROR_NOT_FOUND {
				did.add("ERROR_NOT_FOUND from the system for a lost cancel")
			} else {
				did.add(fmt.Sprintf("the system's answer to a lost cancel: %v", err))
			}
		}
		return false, 0, nil
	}}
}

// checkCancelNotFound skips the test if the system does not answer ERROR_NOT_FOUND to a
// CancelIoEx whose OVERLAPPED names no request of the handle, or if such a cancel ends the
// handle's requests anyway: the test of real ERROR_NOT_FOUND answers relies on both.
func checkCancelNotFound(t *testing.T) {
	t.Helper()
	e := openEngine(t, "iocp", nil)
	p := newPending(t, e)
	ev, err := windows.CreateEvent(nil, 1, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer windows.CloseHandle(ev)
	ov := &windows.Overlapped{HEvent: ev | 1} // the low bit: no packet to the engine's port
	keep.Store(ov)
	buf := make([]byte, 1)
	var n uint32
	if err := windows.ReadFile(p.srv, buf, &n, ov); err != windows.ERROR_IO_PENDING {
		t.Fatalf("a read of an empty pipe: %v, want ERROR_IO_PENDING", err)
	}
	cerr := iocp.CancelAddr(p.srv, iocp.Addr(nowhere))
	time.Sleep(20 * time.Millisecond)
	gerr := windows.GetOverlappedResult(p.srv, ov, &n, false)
	windows.CancelIoEx(p.srv, ov)
	windows.GetOverlappedResult(p.srv, ov, &n, true)
	if cerr != windows.ERROR_NOT_FOUND {
		t.Skipf("CancelIoEx with an OVERLAPPED no request has answers %v here, not ERROR_NOT_FOUND", cerr)
	}
	if gerr != windows.ERROR_IO_INCOMPLETE {
		t.Skipf("CancelIoEx with an OVERLAPPED no request has ended the handle's read here (%v)", gerr)
	}
}

var keep atomic.Pointer[windows.Overlapped] // makes an OVERLAPPED escape to the heap

// TestFaultIOCPCancelNotFound makes CancelIoEx find nothing: the hook answers ERROR_NOT_FOUND in
// the system's place, or points the cancel at an OVERLAPPED no request has, so that the system
// answers it. Either way the op runs on and must still complete exactly once, by itself: Do
// keeps waiting after its context ended, Close keeps waiting and repeats its cancels every
// second, and both return once the op completes.
func TestFaultIOCPCancelNotFound(t *testing.T) {
	for _, c := range []struct {
		name string
		real bool
	}{{"Rewritten", false}, {"FromTheSystem", true}} {
		t.Run(c.name, func(t *testing.T) {
			if c.real {
				checkCancelNotFound(t)
			}
			t.Run("DoWaits", func(t *testing.T) { testIOCPLostCancelDo(t, c.real) })
			t.Run("CloseRepeats", func(t *testing.T) { testIOCPLostCancelClose(t, c.real, false) })
			t.Run("CloseWaitsForCompletion", func(t *testing.T) { testIOCPLostCancelClose(t, c.real, true) })
			t.Run("Churn", func(t *testing.T) {
				var did tally
				e := openFaultEngine(t, "iocp", nil, lostIOCPCancels(&did, func() bool { return rand.IntN(2) == 0 }, c.real), nil)
				r := churn(t, e, churnOpts{ops: iocpChurnOps, seed: 11, lostCancels: true})
				did.need(t, "cancel lost", 100)
				if c.real {
					did.need(t, "ERROR_NOT_FOUND from the system for a lost cancel", 100)
				}
				if r.rescued == 0 {
					t.Error("no pending read outlived its cancel")
				}
				t.Logf("%d ops, %d cancelled, %d rescued; %v", r.ops, r.cancelled, r.rescued, &did)
			})
		})
	}
}

// needLost checks the count of lost cancels, and with real that the system answered each
// ERROR_NOT_FOUND.
func needLost(t *testing.T, did *tally, real bool, n int) {
	t.Helper()
	did.need(t, "cancel lost", n)
	if real {
		did.need(t, "ERROR_NOT_FOUND from the system for a lost cancel", did.get("cancel lost"))
	}
}

// testIOCPLostCancelDo: a Do whose context ends, and whose cancel finds nothing, waits for the
// op's own completion and reports its result.
func testIOCPLostCancelDo(t *testing.T, real bool) {
	var did tally
	e := openFaultEngine(t, "iocp", nil, lostIOCPCancels(&did, func() bool { return true }, real), nil)
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
	waitFor(t, "the lost cancel", func() bool { return did.get("cancel lost") == 1 })
	select {
	case r := <-ret:
		t.Fatalf("Do returned (%d, %v) while its op was still in the system", r.n, r.err)
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
	needLost(t, &did, real, 1)
}

// testIOCPLostCancelClose: Close with ops whose cancels find nothing keeps waiting, repeating the
// cancels every second. Then either a cancel gets through (forever false), and the ops end
// cancelled with ErrClosed as their cause, or (forever true) the cancels keep finding nothing
// and the ops end only when they complete by themselves, with their results.
func testIOCPLostCancelClose(t *testing.T, real, forever bool) {
	var did tally
	var lose atomic.Bool
	lose.Store(true)
	t.Cleanup(fault.Set(lostIOCPCancels(&did, lose.Load, real)))
	e, err := ovio.Open(&ovio.Config{Kind: "iocp"})
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
		t.Fatalf("Close returned (%v) with %d ops still in the system", err, e.Stats().InFlight)
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
				t.Errorf("op %d, whose cancels all found nothing: %d, %v; want its own result", i, n, err)
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
	needLost(t, &did, real, 2*k)
}

// TestFaultIOCPOneAtATime makes GetQueuedCompletionStatusEx remove one packet per call. First a
// burst: the completion goroutine is held out of the port while 200 pending reads are fed, so
// that their packets wait in the port together; a control burst with the full count shows that
// they do (a call removes several), and with the count rewritten every call removes one. Then
// the churn workload, with its random cancels, from 32 goroutines.
func TestFaultIOCPOneAtATime(t *testing.T) {
	var did tally
	var one, hold atomic.Bool
	var maxBatch atomic.Int64
	entered, release := make(chan struct{}), make(chan struct{})
	e := openFaultEngine(t, "iocp", nil, &fault.Hooks{
		Syscall: func(c *fault.Call) (bool, uintptr, error) {
			if c.Name != "GetQueuedCompletionStatusEx" {
				return false, 0, nil
			}
			if one.Load() {
				c.Args[2] = 1
				did.add("asked for one packet")
			}
			if hold.CompareAndSwap(true, false) {
				entered <- struct{}{}
				<-release
			}
			return false, 0, nil
		},
		Completions: func(cs []fault.Completion) []fault.Completion {
			if int64(len(cs)) > maxBatch.Load() {
				maxBatch.Store(int64(len(cs))) // only the completion goroutine writes it
			}
			if one.Load() && len(cs) > 1 {
				did.add("more than one packet from a call asked for one")
			}
			return cs
		},
	}, nil)
	ctx := context.Background()
	burst := func() {
		t.Helper()
		const pipes = 200
		srcs := make([]*pending, pipes)
		futs := make([]*ovio.Op, pipes)
		bufs := make([][]byte, pipes)
		for i := range srcs {
			srcs[i] = newPending(t, e)
			bufs[i] = make([]byte, 1)
			futs[i] = e.Start(ctx, srcs[i].read(bufs[i]))
		}
		waitInFlight(t, e, pipes)
		// Hold the completion goroutine at its next call: a Nop's packet brings it there.
		hold.Store(true)
		if _, err := e.Do(ctx, ovio.Nop()); err != nil {
			t.Fatal(err)
		}
		select {
		case <-entered:
		case <-time.After(10 * time.Second):
			t.Fatal("the completion goroutine did not come back to the port")
		}
		maxBatch.Store(0)
		for i, p := range srcs {
			p.feed([]byte{byte(i)})
		}
		time.Sleep(100 * time.Millisecond) // the last packets reach the port
		release <- struct{}{}
		finished := make(chan struct{})
		go watchdog(finished, time.Minute, "the burst")
		for i, f := range futs {
			if n, err := f.Result(); n != 1 || err != nil || bufs[i][0] != byte(i) {
				t.Fatalf("read %d: %d, %v, %d", i, n, err, bufs[i][0])
			}
		}
		close(finished)
	}
	burst()
	if maxBatch.Load() < 2 {
		t.Fatalf("with the full count, a call removed at most %d packets of a backlog of 200: the burst makes no backlog", maxBatch.Load())
	}
	t.Logf("control burst: up to %d packets per call", maxBatch.Load())
	one.Store(true)
	burst()
	if m := maxBatch.Load(); m != 1 {
		t.Errorf("asked for one packet at a time, calls removed up to %d", m)
	}
	did.need(t, "asked for one packet", 200)
	r := churn(t, e, churnOpts{ops: iocpChurnOps, seed: 12, goroutines: 32})
	// Ops that complete at once (a synchronous success with the skip mode) have no packet.
	did.need(t, "asked for one packet", 200+int(r.ops)/2)
	if n := did.get("more than one packet from a call asked for one"); n != 0 {
		t.Errorf("%d calls asked for one packet removed more", n)
	}
	t.Logf("%d ops, %d cancelled; %v", r.ops, r.cancelled, &did)
}

// TestFaultIOCPWaitFails makes the completion goroutine's GetQueuedCompletionStatusEx fail or
// return early: answered in the system's place (WAIT_TIMEOUT, ERROR_NOT_ENOUGH_MEMORY,
// WAIT_IO_COMPLETION, or an early return with no packet), and, with its timeout rewritten to 0,
// by the system itself (WAIT_TIMEOUT when no packet is queued). The goroutine must go on, and
// no packet be lost.
func TestFaultIOCPWaitFails(t *testing.T) {
	kinds := []struct {
		name string
		err  error
	}{
		{"WAIT_TIMEOUT", windows.Errno(windows.WAIT_TIMEOUT)},
		{"ERROR_NOT_ENOUGH_MEMORY", windows.ERROR_NOT_ENOUGH_MEMORY},
		{"WAIT_IO_COMPLETION", windows.Errno(windows.WAIT_IO_COMPLETION)},
		{"early return", nil},
	}
	var did tally
	e := openFaultEngine(t, "iocp", nil, &fault.Hooks{Syscall: func(c *fault.Call) (bool, uintptr, error) {
		if c.Name != "GetQueuedCompletionStatusEx" {
			return false, 0, nil
		}
		switch k := rand.IntN(24); {
		case k < 4: // each failure costs the goroutine a millisecond's sleep: not too often
			did.add(kinds[k].name)
			return true, 0, kinds[k].err
		case k < 10:
			did.add(kinds[3].name)
			return true, 0, nil
		case k < 14:
			c.Args[4] = 0
			did.add("timeout 0")
			c.Done = func(n uintptr, err error) {
				switch {
				case err == windows.Errno(windows.WAIT_TIMEOUT):
					did.add("WAIT_TIMEOUT from the system")
				case err == nil && n > 0:
					did.add("packets at once")
				default:
					did.add(fmt.Sprintf("timeout 0 answered %d, %v", n, err))
				}
			}
		}
		return false, 0, nil
	}}, nil)
	r := churn(t, e, churnOpts{ops: iocpChurnOps, seed: 13})
	for _, k := range kinds {
		did.need(t, k.name, 10)
	}
	did.need(t, "WAIT_TIMEOUT from the system", 10)
	did.need(t, "packets at once", 10)
	t.Logf("%d ops, %d cancelled; %v", r.ops, r.cancelled, &did)
}

// TestFaultIOCPPacketsIgnored delivers packets the system never posts, while the churn workload
// runs: copies of the packets of ops the test holds out of the pool (so that their OVERLAPPEDs
// are not issued again before the copies come: packets carry no generation, see
// GUARANTEES.md), copies of fences, and foreign packets (a key ovio does not use; keyIO naming
// no OVERLAPPED, a foreign one, or the inside of an op; a wake-up naming another OVERLAPPED
// than Close's; a fence naming nothing). None may complete an op. Every copy of an op's packet
// and every foreign packet is counted in Ignored, exactly; every copy of a fence finds its
// generation done and is dropped as a late fence.
func TestFaultIOCPPacketsIgnored(t *testing.T) {
	var did tally
	var injected, fenceCopies atomic.Uint64
	var held sync.Map // OVERLAPPED address → struct{}: ops the test holds
	var inside atomic.Uintptr
	foreign := []func() fault.Completion{
		func() fault.Completion { return fault.Completion{Key: 12345, UserData: uint64(iocp.Addr(nowhere))} },
		func() fault.Completion { return fault.Completion{Key: 0, UserData: 0} },
		func() fault.Completion { return fault.Completion{Key: ovio.KeyIO, UserData: 0, Res: 3} },
		func() fault.Completion {
			return fault.Completion{Key: ovio.KeyIO, UserData: uint64(iocp.Addr(nowhere)), Res: 3}
		},
		func() fault.Completion { return fault.Completion{Key: ovio.KeyIO, UserData: uint64(inside.Load())} },
		func() fault.Completion {
			return fault.Completion{Key: ovio.KeyWake, UserData: uint64(iocp.Addr(nowhere))}
		},
		func() fault.Completion {
			return fault.Completion{Key: ovio.KeyFence, UserData: uint64(iocp.Addr(nowhere)), Res: 1}
		},
	}
	e := openFaultEngine(t, "iocp", nil, &fault.Hooks{Completions: func(cs []fault.Completion) []fault.Completion {
		for _, c := range cs[:len(cs):len(cs)] {
			switch c.Key {
			case ovio.KeyIO:
				if _, ok := held.Load(uintptr(c.UserData)); ok {
					did.add("copy of a held op's packet")
					injected.Add(1)
					cs = append(cs, c)
				}
			case ovio.KeyFence:
				if rand.IntN(4) == 0 {
					did.add("copy of a fence")
					fenceCopies.Add(1)
					cs = append(cs, c)
				}
			}
		}
		if inside.Load() != 0 && rand.IntN(4) == 0 {
			k := rand.IntN(len(foreign))
			did.add(fmt.Sprint("foreign packet ", k))
			injected.Add(1)
			cs = append(cs, foreign[k]())
		}
		return cs
	}}, injected.Load)
	ctx := context.Background()
	if _, err := e.Do(ctx, ovio.Nop()); err != nil { // the op table has a chunk
		t.Fatal(err)
	}
	inside.Store(ovio.OpAddrs(e)[3] + 8)

	// The holder: file reads and pipe reads whose ops it keeps until a Nop, started after
	// their completion, has come back: the packet's copy, delivered in the same batch as the
	// packet, has been delivered by then.
	h := tempFile(t, e)
	content := []byte("held ops' data")
	if _, err := e.Do(ctx, ovio.WriteAt(h, content, 0)); err != nil {
		t.Fatal(err)
	}
	p := newPending(t, e)
	holder := func(stop <-chan struct{}) {
		buf := make([]byte, len(content))
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			var addr uintptr
			started := func(a uintptr) { addr = a; held.Store(a, struct{}{}) }
			var n int
			var err error
			var release func()
			if i%2 == 0 {
				n, release, err = ovio.DoHeld(e, ctx, ovio.ReadAt(h, buf, 0), started)
				if err != nil || string(buf[:n]) != string(content) {
					t.Errorf("held ReadAt: %d, %v, %q", n, err, buf[:n])
				}
			} else {
				go p.feed([]byte{'h'})
				n, release, err = ovio.DoHeld(e, ctx, p.read(buf[:1]), started)
				if n != 1 || err != nil || buf[0] != 'h' {
					t.Errorf("held pipe read: %d, %v, %q", n, err, buf[:n])
				}
			}
			if _, err := e.Do(ctx, ovio.Nop()); err != nil {
				t.Error(err)
			}
			held.Delete(addr)
			release()
		}
	}
	r := churn(t, e, churnOpts{ops: iocpChurnOps, seed: 14, beside: holder})
	did.need(t, "copy of a held op's packet", 100)
	did.need(t, "copy of a fence", 100)
	for k := range foreign {
		did.need(t, fmt.Sprint("foreign packet ", k), 10)
	}
	if late, _ := ovio.IOCPCounts(e); late < fenceCopies.Load() {
		t.Errorf("%d late fences, fewer than the %d copies of fences injected", late, fenceCopies.Load())
	}
	t.Logf("%d ops, %d cancelled; %v", r.ops, r.cancelled, &did)
}

// TestFaultIOCPCloseWithLostCancels races Close with the churn workload while a quarter of the
// cancels find nothing (rewritten, then from the system): the pending reads Close cancels may
// outlive its first round, and, since nothing feeds them once Close began, must end by its
// repeats.
func TestFaultIOCPCloseWithLostCancels(t *testing.T) {
	for i := range 2 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			var did tally
			t.Cleanup(fault.Set(lostIOCPCancels(&did, func() bool { return rand.IntN(4) == 0 }, i%2 == 1)))
			e, err := ovio.Open(&ovio.Config{Kind: "iocp"})
			if err != nil {
				t.Fatal(err)
			}
			r := churn(t, e, churnOpts{ops: iocpChurnOps, seed: uint64(15 + i), lostCancels: true,
				closeAfter: time.Duration(20+80*i) * time.Millisecond})
			if s := e.Stats(); s.InFlight != 0 || s.Ignored != 0 {
				t.Errorf("after Close: %+v", s)
			}
			if n := ovio.PinnedPointers(e); n > 0 {
				t.Errorf("%d pointers pinned after Close", n)
			}
			if r.closedErrs == 0 {
				t.Error("no op ended with ErrClosed: Close did not race the ops")
			}
			did.need(t, "cancel lost", 1)
			t.Logf("%d ops, %d cancelled, %d ended by Close; %v", r.ops, r.cancelled, r.closedErrs, &did)
		})
	}
}
