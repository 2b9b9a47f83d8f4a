package ovio_test

// churn is the workload of the fault tests and of the soak: many goroutines start every kind of
// op, cancel some at random, and check that each op ends exactly once with a truthful result.
// It knows nothing of faults: a fault test sets its hooks, runs churn, and checks its own
// counters.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ovio/ovio"
)

type churnOpts struct {
	goroutines int // default 16
	ops        int // ops in all, about

	// lostCancels says a cancel may not take effect (the fault under test loses it): a pending
	// read that is still pending 20ms after its cancel is fed a byte, so that it ends.
	lostCancels bool
	// allowErr accepts errors the fault under test makes legitimate.
	allowErr func(error) bool
	// closeAfter, if not zero, closes the engine that long after the start, racing the ops in
	// flight; the goroutines stop at their first ErrClosed. Bytes left in the sources can then
	// not be drained through the engine, so only "no byte read twice" is checked.
	closeAfter time.Duration
	seed       uint64
	// hang is how long churn may take before it is declared hung; default 2 minutes.
	hang time.Duration
	// beside, if set, runs in a goroutine of its own beside the workers, until stop is closed
	// once they are done; churn waits for it to return before its final checks.
	beside func(stop <-chan struct{})
}

type churnResult struct {
	ops        int64 // ops that returned
	cancels    int64 // cancels asked (contexts ended, Cancel called)
	cancelled  int64 // ops that ended with a cancellation
	rescued    int64 // pending reads fed because their cancel did not end them in time
	closedErrs int64 // ops that ended with ErrClosed
}

// churn runs the workload on e and checks what it can: every op returns, none returns a result
// it should not (data read from a file is the file's; every byte fed to a source is read once),
// and nothing is left in flight. It closes e if opts.closeAfter says so, and not otherwise.
func churn(t testing.TB, e *ovio.Engine, opts churnOpts) churnResult {
	t.Helper()
	if opts.goroutines == 0 {
		opts.goroutines = 16
	}
	if opts.hang == 0 {
		opts.hang = 2 * time.Minute
	}
	ctx := context.Background()
	h := tempFile(t, e)
	content := make([]byte, 64<<10)
	for i := range content {
		content[i] = byte(i*7 + i>>8)
	}
	if _, err := e.Do(ctx, ovio.WriteAt(h, content, 0)); err != nil {
		t.Fatalf("writing the churn file: %v", err)
	}
	var res churnResult
	srcs := make([]*pending, opts.goroutines)
	fed := make([]atomic.Int64, opts.goroutines)
	read := make([]atomic.Int64, opts.goroutines)
	for g := range srcs {
		srcs[g] = newPending(t, e)
	}
	var closed atomic.Bool
	ok := func(err error) bool {
		switch {
		case err == nil, errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
			return true
		case errors.Is(err, ovio.ErrClosed) && opts.closeAfter != 0:
			return true
		case opts.allowErr != nil && opts.allowErr(err):
			return true
		}
		return false
	}
	// count records one op's outcome and reports whether the goroutine should stop: the engine
	// is closed.
	count := func(what string, err error) bool {
		atomic.AddInt64(&res.ops, 1)
		if err != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
			atomic.AddInt64(&res.cancelled, 1)
		}
		if !ok(err) {
			t.Errorf("%s: %v", what, err)
		}
		if errors.Is(err, ovio.ErrClosed) {
			atomic.AddInt64(&res.closedErrs, 1)
			if !closed.Load() {
				t.Errorf("%s: ErrClosed before Close: %v", what, err)
			}
			return true
		}
		return false
	}

	var rescuers sync.WaitGroup
	// rescue feeds src g a byte if done is not closed 20ms from now, when cancels may be lost.
	rescue := func(g int, done <-chan struct{}) {
		if !opts.lostCancels {
			return
		}
		rescuers.Add(1)
		go func() {
			defer rescuers.Done()
			select {
			case <-done:
			case <-time.After(20 * time.Millisecond):
				if !closed.Load() {
					srcs[g].feed([]byte{'r'})
					fed[g].Add(1)
					atomic.AddInt64(&res.rescued, 1)
				}
			}
		}()
	}
	cancelSoon := func(rng *rand.Rand, cancel context.CancelFunc) {
		atomic.AddInt64(&res.cancels, 1)
		d := time.Duration(rng.IntN(200)) * time.Microsecond
		if d < 20*time.Microsecond {
			cancel()
			return
		}
		time.AfterFunc(d, cancel)
	}

	finished := make(chan struct{})
	go watchdog(finished, opts.hang, "churn")
	defer close(finished)
	closeDone := make(chan struct{})
	closeEngine := func() {
		defer close(closeDone)
		closed.Store(true)
		if err := e.Close(); err != nil {
			t.Errorf("Close racing the churn: %v", err)
		}
	}
	var closeTimer *time.Timer
	if opts.closeAfter != 0 {
		closeTimer = time.AfterFunc(opts.closeAfter, closeEngine)
	}

	stopBeside, besideDone := make(chan struct{}), make(chan struct{})
	if opts.beside != nil {
		go func() {
			defer close(besideDone)
			opts.beside(stopBeside)
		}()
	} else {
		close(besideDone)
	}
	var wg sync.WaitGroup
	per := max(opts.ops/opts.goroutines, 1)
	for g := 0; g < opts.goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(opts.seed, uint64(g)))
			p := srcs[g]
			buf := make([]byte, 512)
			one := make([]byte, 1)
			for i := 0; i < per; i++ {
				ctx, cancel := context.WithCancel(ctx)
				stop := false
				k := rng.IntN(100)
				switch {
				case k < 25: // a NOP, cancelled now and then
					if rng.IntN(4) == 0 {
						cancelSoon(rng, cancel)
					}
					_, err := e.Do(ctx, ovio.Nop())
					stop = count("Nop", err)
				case k < 50: // a file read, checked against the file
					off := rng.IntN(len(content) - len(buf))
					if rng.IntN(8) == 0 {
						cancelSoon(rng, cancel)
					}
					n, err := e.Do(ctx, ovio.ReadAt(h, buf, int64(off)))
					if err == nil && !bytes.Equal(buf[:n], content[off:off+n]) {
						t.Errorf("ReadAt at %d: wrong data", off)
					}
					stop = count("ReadAt", err)
				case k < 65: // a pending read as a future: fed, or cancelled
					f := e.Start(ctx, p.read(one))
					if rng.IntN(2) == 0 {
						p.feed([]byte{'x'})
						fed[g].Add(1)
					} else {
						atomic.AddInt64(&res.cancels, 1)
						f.Cancel()
						rescue(g, f.Done())
					}
					n, err := f.Result()
					read[g].Add(int64(n))
					stop = count("pending read (future)", err)
				case k < 75: // a pending read whose context ends while Do waits
					done := make(chan struct{})
					cancelSoon(rng, cancel)
					rescue(g, done)
					n, err := e.Do(ctx, p.read(one))
					close(done)
					read[g].Add(int64(n))
					stop = count("pending read (Do)", err)
				case k < 85: // a batch with a deadline that a pending read outlives
					ctx, cancelT := context.WithTimeout(ctx, time.Duration(1+rng.IntN(3))*time.Millisecond)
					off := rng.IntN(len(content) - 8)
					small := make([]byte, 8)
					reqs := []ovio.Request{ovio.Nop(), ovio.ReadAt(h, small, int64(off)), p.read(one)}
					results := make([]ovio.Result, len(reqs))
					done := make(chan struct{})
					rescue(g, done)
					e.DoBatch(ctx, reqs, results)
					close(done)
					cancelT()
					for j, r := range results {
						if j == 1 && r.Err == nil && !bytes.Equal(small[:r.N], content[off:off+r.N]) {
							t.Errorf("batch ReadAt at %d: wrong data", off)
						}
						if j == 2 {
							read[g].Add(int64(r.N))
						}
						stop = count(fmt.Sprintf("batch op %d", j), r.Err) || stop
					}
				default: // futures of a batch, one cancelled
					futs := e.StartBatch(ctx, []ovio.Request{ovio.Nop(), ovio.ReadAt(h, buf[:8], 8), ovio.Nop()})
					atomic.AddInt64(&res.cancels, 1)
					futs[rng.IntN(len(futs))].Cancel()
					for _, f := range futs {
						_, err := f.Wait(ctx)
						stop = count("batch future", err) || stop
					}
				}
				cancel()
				if stop {
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(stopBeside)
	<-besideDone
	rescuers.Wait()
	if closeTimer != nil && !closeTimer.Stop() {
		<-closeDone // Close raced the ops; wait for it to return
	}

	// Every byte fed is read exactly once: by a pending read, or now. A byte read twice, or a
	// read that reported a byte it did not read, shows here.
	for g, p := range srcs {
		for !closed.Load() && read[g].Load() < fed[g].Load() {
			n, err := e.Do(context.Background(), p.read(buf4k()))
			if err != nil {
				t.Fatalf("draining source %d: %v", g, err)
			}
			read[g].Add(int64(n))
		}
		if r, f := read[g].Load(), fed[g].Load(); r > f || (!closed.Load() && r != f) {
			t.Errorf("source %d: %d bytes fed, %d read", g, f, r)
		}
	}
	if s := e.Stats(); s.InFlight != 0 {
		t.Errorf("%d ops in flight after the churn", s.InFlight)
	}
	if closeTimer != nil && !closed.Load() {
		closeEngine() // the ops finished before the timer: close now, as promised
	}
	return res
}

func buf4k() []byte { return make([]byte, 4096) }

// watchdog declares a hang if finished is not closed within d: it panics with every goroutine's
// stack, since a hung op would keep the test's cleanup (Close) from ever returning.
func watchdog(finished <-chan struct{}, d time.Duration, what string) {
	select {
	case <-finished:
	case <-time.After(d):
		buf := make([]byte, 8<<20)
		buf = buf[:runtime.Stack(buf, true)]
		panic(fmt.Sprintf("%s hung for %v; goroutines:\n%s", what, d, buf))
	}
}
