//go:build unix && ovio_faults

package ovio_test

// Fault injection into the blocking engine (go test -tags ovio_faults). The engine's lifecycle
// rests on two races, both under its lock: a cancel against a worker taking the op from the
// queue, and a cancel or Close against the poller putting a parked op back in the queue. These
// tests make each race go every way, many times, and make the calls around them answer as they
// do when another reader was first or the system is short of memory: RWF_NOWAIT reads that
// find nothing (EAGAIN), poll(2) interrupted, failing or returning with nothing ready. Every op
// must end exactly once, with the truth: a cancelled write wrote nothing, every byte fed is
// read once. Each test counts the faults it injected and the states it reached (the engine's
// own counts of what its cancels met) and fails below a minimum.

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ovio/ovio"
	"github.com/ovio/ovio/internal/fault"
)

// needCount fails the test unless the engine counted at least min of what.
func needCount(t *testing.T, e *ovio.Engine, what string, min uint64) {
	t.Helper()
	if n := ovio.BlockingCounts(e)[what]; n < min {
		t.Errorf("%q: %d, want at least %d: the test did not reach the state it is about (%v)", what, n, min, ovio.BlockingCounts(e))
	}
}

// TestFaultBlockingCancelRacesPickup cancels writes while workers take them from the queue, at
// random moments: the cancel finds the op still queued and takes it out, or a worker has taken
// it and finds the cancel before its call, or the write has started and runs to its end. A
// cancelled write must have written nothing, a write that reports success its byte, each at its
// own offset of the file.
func TestFaultBlockingCancelRacesPickup(t *testing.T) {
	for _, workers := range []int{1, 3} {
		t.Run(fmt.Sprint("workers", workers), func(t *testing.T) {
			e := openFaultEngine(t, "blocking", &ovio.Config{Workers: workers}, nil, nil)
			h := tempFile(t, e)
			const goroutines, per = 8, 2000
			outcome := make([]atomic.Int32, goroutines*per) // 1 written, 2 cancelled
			var next atomic.Int64
			var ran atomic.Int64
			var wg sync.WaitGroup
			finished := make(chan struct{})
			go watchdog(finished, 2*time.Minute, "the cancelled writes")
			for g := 0; g < goroutines; g++ {
				wg.Add(1)
				go func(g int) {
					defer wg.Done()
					rng := rand.New(rand.NewPCG(21, uint64(g)))
					for i := 0; i < per; i++ {
						off := next.Add(1) - 1
						f := e.Start(context.Background(), ovio.WriteAt(h, []byte{1}, off))
						switch rng.IntN(4) {
						case 0:
						case 1:
							runtime.Gosched()
						default:
							for k := rng.IntN(3000); k > 0; k-- {
								_ = k * k
							}
						}
						f.Cancel()
						n, err := f.Result()
						if err == nil {
							if n != 1 {
								t.Errorf("write at %d: %d bytes", off, n)
							}
							ran.Add(1)
							outcome[off].Store(1)
							continue
						}
						checkCanceled(t, n, err, context.Canceled)
						outcome[off].Store(2)
					}
				}(g)
			}
			wg.Wait()
			close(finished)
			data := make([]byte, goroutines*per)
			if n, err := e.Do(context.Background(), ovio.ReadAt(h, data, 0)); err != nil {
				t.Fatal(err)
			} else {
				data = data[:n]
			}
			for off := range outcome {
				wrote := off < len(data) && data[off] == 1
				switch o := outcome[off].Load(); {
				case o == 1 && !wrote:
					t.Fatalf("the write at %d reported success and wrote nothing", off)
				case o == 2 && wrote:
					t.Fatalf("the write at %d was reported cancelled and wrote its byte", off)
				}
			}
			needCount(t, e, "cancel: queued", 100)
			needCount(t, e, "cancel: taken", 10)
			if ran.Load() < 100 {
				t.Errorf("%d writes ran to their end before their cancel, want at least 100", ran.Load())
			}
			t.Logf("%d writes ran despite their cancel; %v", ran.Load(), ovio.BlockingCounts(e))
		})
	}
}

// pollerHooks are the faults of the poller's path: RWF_NOWAIT reads and writes that find the
// descriptor not ready (another reader was first), the poller's poll interrupted, short of
// memory or returning with nothing ready, and a worker's look at one descriptor (the portable
// path) saying it is not ready, or failing.
func pollerHooks(did *tally) *fault.Hooks {
	return &fault.Hooks{Syscall: func(c *fault.Call) (bool, uintptr, error) {
		switch {
		case c.Name == "preadv2" || c.Name == "pwritev2":
			if rand.IntN(3) == 0 {
				did.add("EAGAIN from " + c.Name)
				return true, 0, syscall.EAGAIN
			}
		case c.Name == "poll" && c.Status == 1: // the poller
			switch k := rand.IntN(40); {
			case k < 6:
				did.add("poller: EINTR")
				return true, 0, syscall.EINTR
			case k < 7: // the poller sleeps 10ms after it
				did.add("poller: ENOMEM")
				return true, 0, syscall.ENOMEM
			case k < 13:
				did.add("poller: nothing ready")
				return true, 0, nil
			}
		case c.Name == "poll": // a worker's look at one descriptor
			switch k := rand.IntN(20); {
			case k < 5:
				did.add("probe: not ready")
				return true, 0, nil
			case k < 6:
				did.add("probe: ENOMEM")
				return true, 0, syscall.ENOMEM
			case k < 7:
				did.add("probe: EINTR")
				return true, 0, syscall.EINTR
			}
		}
		return false, 0, nil
	}}
}

// TestFaultBlockingPoller runs the churn workload (pending reads fed or cancelled, at random,
// through Do, futures and batches) on the blocking engine while its poller's path fails as
// pollerHooks say, on the path Linux takes (RWF_NOWAIT) and on the portable one (poll, then
// the plain call), then again with Close racing the ops. Parked ops are cancelled, put back in
// the queue by the poller, and closed, in every order.
func TestFaultBlockingPoller(t *testing.T) {
	paths := []string{"poll"}
	if runtime.GOOS == "linux" {
		paths = append(paths, "RWF_NOWAIT")
	}
	for _, path := range paths {
		t.Run(path, func(t *testing.T) {
			var did tally
			var counts [2]map[string]uint64
			for round, closeAfter := range []time.Duration{0, 30 * time.Millisecond} {
				t.Cleanup(fault.Set(pollerHooks(&did)))
				e, err := ovio.Open(&ovio.Config{Kind: "blocking", Workers: 4})
				if err != nil {
					t.Fatal(err)
				}
				if path == "poll" {
					ovio.SetPollOnly(e)
				}
				r := churn(t, e, churnOpts{ops: 20_000, seed: uint64(31 + round), closeAfter: closeAfter})
				if closeAfter == 0 {
					closeWithin(t, e, 30*time.Second)
				} else if r.closedErrs == 0 {
					t.Error("no op ended with ErrClosed: Close did not race the ops")
				}
				if s := e.Stats(); s.InFlight != 0 || s.Ignored != 0 {
					t.Errorf("after Close: %+v", s)
				}
				counts[round] = ovio.BlockingCounts(e)
				t.Logf("round %d: %d ops, %d cancelled, %d ended by Close; %v", round, r.ops, r.cancelled, r.closedErrs, counts[round])
			}
			for _, what := range []string{"requeued", "cancel: parked", "cancel: queued"} {
				if n := counts[0][what] + counts[1][what]; n < 50 {
					t.Errorf("%q: %d, want at least 50: the test did not reach the state it is about", what, n)
				}
			}
			if path == "poll" {
				did.need(t, "probe: not ready", 100)
				did.need(t, "probe: ENOMEM", 10)
				did.need(t, "probe: EINTR", 10)
			} else {
				did.need(t, "EAGAIN from preadv2", 100)
			}
			did.need(t, "poller: EINTR", 10)
			did.need(t, "poller: ENOMEM", 3)
			did.need(t, "poller: nothing ready", 10)
			t.Logf("%v", &did)
		})
	}
}

// TestFaultBlockingCloseParked closes engines while many reads wait in the poller, eight to a
// pipe, some being cancelled and some fed at that moment, with the poller's path failing as
// pollerHooks say: every read ends once, with its byte or cancelled, and no byte is read twice.
// On the portable path the pipes are in non-blocking mode: there, a reader of a pipe in blocking
// mode that another reader beat to the data blocks in read(2), out of a cancel's reach (see
// GUARANTEES.md), and Close would wait for data that never comes.
func TestFaultBlockingCloseParked(t *testing.T) {
	var did tally
	t.Cleanup(fault.Set(pollerHooks(&did)))
	var closedReads, cancelledReads int
	for round := 0; round < 20; round++ {
		e, err := ovio.Open(&ovio.Config{Kind: "blocking", Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		pollOnly := round%2 == 1
		if pollOnly {
			ovio.SetPollOnly(e)
		}
		rng := rand.New(rand.NewPCG(41, uint64(round)))
		const reads = 64
		srcs := make([]*pending, 8)
		for i := range srcs {
			srcs[i] = newPending(t, e)
			if pollOnly {
				if err := syscall.SetNonblock(srcs[i].r, true); err != nil {
					t.Fatal(err)
				}
			}
		}
		futs := make([]*ovio.Op, reads)
		for i := range futs {
			futs[i] = e.Start(context.Background(), srcs[i%len(srcs)].read(make([]byte, 1)))
		}
		waitInFlight(t, e, reads)
		var fed [8]atomic.Int64
		var wg sync.WaitGroup
		for i := range futs {
			switch rng.IntN(3) {
			case 0:
				wg.Add(1)
				go func() { defer wg.Done(); futs[i].Cancel() }()
			case 1:
				wg.Add(1)
				go func() {
					defer wg.Done()
					srcs[i%len(srcs)].feed([]byte{'f'})
					fed[i%len(srcs)].Add(1)
				}()
			}
		}
		time.Sleep(time.Duration(rng.IntN(2000)) * time.Microsecond)
		closeWithin(t, e, 30*time.Second)
		wg.Wait()
		var got [8]int64
		for i, f := range futs {
			n, err := f.Result()
			switch {
			case err == nil:
			case errors.Is(err, ovio.ErrClosed):
				checkCanceled(t, n, err, ovio.ErrClosed)
				closedReads++
			default:
				checkCanceled(t, n, err, context.Canceled)
				cancelledReads++
			}
			got[i%len(srcs)] += int64(n)
		}
		for s := range srcs {
			if got[s] > fed[s].Load() {
				t.Fatalf("round %d, source %d: %d bytes read of %d fed", round, s, got[s], fed[s].Load())
			}
		}
		if s := e.Stats(); s.InFlight != 0 || s.Ignored != 0 {
			t.Fatalf("round %d, after Close: %+v", round, s)
		}
	}
	if closedReads < 100 || cancelledReads < 100 {
		t.Errorf("%d reads ended by Close and %d by their cancel, want at least 100 of each", closedReads, cancelledReads)
	}
	t.Logf("%d reads ended by Close, %d by their cancel; %v", closedReads, cancelledReads, &did)
}
