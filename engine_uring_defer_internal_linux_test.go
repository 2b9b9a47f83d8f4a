package ovio

import (
	"context"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestUringReaperSubmitsDeferred has goroutines that the reaper wakes start new ops at once, as
// a program at a high queue depth does: what they queue while the reaper lets them run is the
// reaper's to submit (deferring). Each op must complete; one left in the submission queue hangs
// the test until its guard fails it.
func TestUringReaperSubmitsDeferred(t *testing.T) {
	e, err := Open(&Config{Kind: "io_uring"})
	if err != nil {
		t.Skipf("io_uring: %v", err)
	}
	defer e.Close()
	d := e.drv.(*uringDriver)
	const goroutines, rounds = 4, 200
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	errs := make(chan error, goroutines)
	for range goroutines {
		var p [2]int
		if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
			t.Fatal(err)
		}
		r, w := p[0], p[1]
		defer unix.Close(r)
		defer unix.Close(w)
		go func() {
			buf := make([]byte, 1)
			for i := range rounds {
				// A read of an empty pipe waits in the kernel: the reaper delivers it, and
				// wakes this goroutine, which then starts a NOP and a batch at once.
				go unix.Write(w, []byte{byte(i)})
				if _, err := e.Do(ctx, Read(Handle(r), buf)); err != nil {
					errs <- err
					return
				}
				if _, err := e.Do(ctx, Nop()); err != nil {
					errs <- err
					return
				}
				if err := e.DoBatch(ctx, []Request{Nop(), Nop()}, make([]Result, 2)); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range goroutines {
		if err := <-errs; err != nil {
			t.Fatalf("op failed or hung: %v (deferred so far: %d)", err, d.deferred.Load())
		}
	}
	if ctx.Err() != nil {
		// A cancel flushes the queue too: an op that waited for it was left there.
		t.Fatalf("ops completed only when the guard cancelled them (deferred: %d)", d.deferred.Load())
	}
	// Not asserted: whether the reaper ran before or after the goroutines it woke is the
	// scheduler's choice.
	t.Logf("%d ops left to the reaper to submit", d.deferred.Load())
}
