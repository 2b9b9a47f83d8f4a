//go:build linux && ovio_faults

package ovio_test

import (
	"context"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/ovio/ovio"
	"github.com/ovio/ovio/internal/fault"
)

// failedKicks are hooks that make the single-issuer mode's read of its eventfd, the read a kick
// completes to wake the issuer, fail while fail says so: its completion says EINTR, EAGAIN or
// ECANCELED instead of 8 bytes read. They count what they did in did.
func failedKicks(did *tally, fail func() bool) *fault.Hooks {
	errs := []syscall.Errno{syscall.EINTR, syscall.EAGAIN, syscall.ECANCELED}
	return &fault.Hooks{
		Completions: func(cs []fault.Completion) []fault.Completion {
			for i := range cs {
				if cs[i].UserData != ovio.UserDataKick {
					continue
				}
				did.add("kick read completed")
				if fail() {
					cs[i].Res = -int32(errs[rand.IntN(len(errs))])
					did.add("kick read failed")
				}
			}
			return cs
		},
	}
}

// TestFaultKickReadFails (issue 7, the eventfd read failing): in the single-issuer mode the
// issuer sleeps in the kernel on a read of its eventfd, which a kick completes. When that read
// fails instead, the issuer must still wake, submit what was queued and arm the read again:
// no op lost (every op returns within the time limit), none completed twice, no hang, and the
// next kick still wakes it.
func TestFaultKickReadFails(t *testing.T) {
	t.Run("Every", func(t *testing.T) {
		// Each Do finds the issuer asleep (the pause lets it go back to sleep), so it is woken
		// only by a kick whose read then fails: a lost wake-up would hang the next Do.
		var did tally
		e := openFaultEngine(t, "io_uring+issuer", nil, failedKicks(&did, func() bool { return true }), nil)
		p := newPending(t, e)
		for i := 0; i < 50; i++ {
			time.Sleep(time.Millisecond)
			ret := make(chan error, 1)
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				var err error
				if i%2 == 0 {
					_, err = e.Do(ctx, ovio.Nop())
				} else {
					f := e.Start(ctx, p.read(make([]byte, 1)))
					time.Sleep(time.Millisecond)
					p.feed([]byte{'x'})
					var n int
					if n, err = f.Wait(ctx); err == nil && n != 1 {
						t.Errorf("pending read: %d bytes, want 1", n)
					}
				}
				ret <- err
			}()
			select {
			case err := <-ret:
				if err != nil {
					t.Fatalf("op %d after failed kicks: %v", i, err)
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("op %d hangs after failed kicks: the issuer sleeps with no read to wake it", i)
			}
		}
		did.need(t, "kick read failed", 25)
		t.Logf("%v", &did)
	})
	t.Run("Churn", func(t *testing.T) {
		var did tally
		e := openFaultEngine(t, "io_uring+issuer", nil, failedKicks(&did, func() bool { return rand.IntN(2) == 0 }), nil)
		r := churn(t, e, churnOpts{ops: churnOps, seed: 7})
		did.need(t, "kick read failed", 50)
		t.Logf("%d ops, %d cancelled; %v", r.ops, r.cancelled, &did)
	})
}
