package ovio

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestUringRoomWakesOnlyWhatFits fills a small submission queue while the test holds the
// submitter role, so that the other goroutines must wait for room, then lets the queue drain. Each
// io_uring_enter frees at most a queue's worth of entries, so it must wake at most that many
// waiters: a waiter woken for nothing waits again, and is counted again. A broadcast to every
// waiter makes the waits grow with the square of the goroutines.
func TestUringRoomWakesOnlyWhatFits(t *testing.T) {
	for _, issuer := range []bool{false, true} {
		name := "default"
		if issuer {
			name = "issuer"
		}
		t.Run(name, func(t *testing.T) { testRoomWakes(t, issuer) })
	}
}

func testRoomWakes(t *testing.T, issuer bool) {
	const entries, goroutines = 8, 600
	e, err := Open(&Config{Kind: "io_uring", Entries: entries, SingleIssuer: issuer})
	if err != nil {
		t.Skipf("io_uring: %v", err)
	}
	defer e.Close()
	d := e.drv.(*uringDriver)
	if d.ring.SQEntries() != entries {
		t.Fatalf("SQ has %d entries, want %d", d.ring.SQEntries(), entries)
	}

	// Stop submissions: in the default mode by holding the submitter role, in the issuer mode by
	// holding sqMu once the issuer sleeps, so that its next round waits for us.
	if issuer {
		deadline := time.Now().Add(10 * time.Second)
		for !d.issuer.sleeping.Load() {
			if time.Now().After(deadline) {
				t.Fatal("the issuer never went to sleep")
			}
			time.Sleep(time.Millisecond)
		}
	} else if !d.submitting.CompareAndSwap(false, true) {
		t.Fatal("the submitter role is taken on an idle engine")
	}
	release := func() {
		if issuer {
			d.kick()
		} else {
			d.sqMu.Lock()
			d.submit() // enters what is queued, wakes waiters, and gives the role up
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	if issuer {
		// The issuer holds the role for good; holding sqMu keeps the goroutines from queueing
		// until all of them have started, and keeps the issuer asleep meanwhile: none kicks it
		// before the queue is full, since they queue only into a queue with room.
		d.sqMu.Lock()
	}
	for range goroutines {
		wg.Go(func() {
			if _, err := e.Do(context.Background(), Nop()); err != nil {
				errs <- err
			}
		})
	}
	if issuer {
		d.sqMu.Unlock()
	}
	// Wait until the queue is full and everyone else waits for room. In the issuer mode, the
	// first goroutine to queue kicks the issuer, which may drain the queue at once: then fewer
	// wait, which only weakens the test, never breaks it.
	deadline := time.Now().Add(30 * time.Second)
	for int(d.sqWaiters.Load()) < goroutines-entries {
		if issuer && d.sqWaits.Load() > 0 && !d.issuer.sleeping.Load() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d goroutines wait for room", d.sqWaiters.Load(), goroutines-entries)
		}
		time.Sleep(time.Millisecond)
	}
	release()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatalf("ops still wait for room after 60s: %d waiters", d.sqWaiters.Load())
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Each waiter waits once when every wake-up finds room. Allow one more wait per goroutine
	// for a wake-up whose room another took first; a broadcast costs hundreds per goroutine.
	waits := d.sqWaits.Load()
	t.Logf("%d goroutines, %d-entry queue: %d waits for room", goroutines, entries, waits)
	if waits > 2*goroutines {
		t.Errorf("%d waits for room for %d goroutines: waiters are woken without room for them", waits, goroutines)
	}
}
