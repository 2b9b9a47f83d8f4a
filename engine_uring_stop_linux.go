package ovio

import (
	"time"

	"github.com/ovio/ovio/internal/uring"
)

// stopReaper wakes the reaper, which close has told to stop, and waits until it has. A wake-up
// token reaches it if it sleeps in Go; a NOP's completion if it waits in the kernel. One NOP is
// not always enough: the reaper may have decided to wait in the kernel (needReaper was not zero)
// and reach io_uring_enter only after close reaped the last op's completion and then, in its
// own flush, the NOP's: its wait then starts after the last completion there will be. So the
// NOP is posted again until the reaper is gone; the kernel ends a wait for any completion
// posted after the wait began, even one another goroutine reaps first. (Found by the model,
// model/op.pml; TestFaultReaperLateToWait widens the window.)
func (d *uringDriver) stopReaper() {
	d.stopping.Store(true)
	select {
	case d.reaperWake <- struct{}{}:
	default:
	}
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		d.sqMu.Lock()
		d.putInternal(udWake, (*uring.SQE).PrepNop)
		d.sqMu.Unlock()
		d.flush()
		t.Reset(10 * time.Millisecond)
		select {
		case <-d.reaperDone:
			return
		case <-t.C:
		}
	}
}
