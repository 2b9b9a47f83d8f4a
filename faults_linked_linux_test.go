//go:build linux && ovio_faults

package ovio_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/ovio/ovio"
	"github.com/ovio/ovio/internal/fault"
)

// TestFaultLinkedTimeout: an op whose context has a deadline carries a linked timeout, and the
// kernel ends the op with it by itself. Every ASYNC_CANCEL is lost here (the kernel answers
// ENOENT), so the context's own cancel cannot end a pending pipe read: only the linked timeout
// can. The read must end soon after its deadline, cancelled (ECANCELED) with DeadlineExceeded as
// its cause, and the kernel must have reported the timeout's expiry (ETIME) on ovio's entry.
func TestFaultLinkedTimeout(t *testing.T) {
	for _, kind := range []string{"io_uring", "io_uring+issuer"} {
		t.Run(kind, func(t *testing.T) {
			var did tally
			h := &fault.Hooks{
				Cancel: func(uint64) uint64 { did.add("cancel lost"); return noOp },
				Completions: func(cs []fault.Completion) []fault.Completion {
					for _, c := range cs {
						switch {
						case c.UserData == ovio.UserDataLinkTimeout && c.Res == -int32(syscall.ETIME):
							did.add("linked timeout expired")
						case c.UserData>>32 != ovio.UserDataInternalIdx && c.Res == -int32(syscall.ECANCELED):
							did.add("op cancelled")
						}
					}
					return cs
				},
			}
			e := openFaultEngine(t, kind, nil, h, nil)
			p := newPending(t, e)
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			type result struct {
				n   int
				err error
			}
			ret := make(chan result, 1)
			go func() {
				n, err := e.Do(ctx, p.read(make([]byte, 4)))
				ret <- result{n, err}
			}()
			select {
			case r := <-ret:
				checkCanceled(t, r.n, r.err, context.DeadlineExceeded)
			case <-time.After(10 * time.Second):
				p.feed([]byte("free")) // let the read end, so that Close does not wait for it
				<-ret
				t.Fatal("a read with a deadline, its cancels lost, did not end: no linked timeout ended it")
			}
			did.need(t, "linked timeout expired", 1)
			did.need(t, "op cancelled", 1)
			t.Logf("%v", &did)
		})
	}
}
