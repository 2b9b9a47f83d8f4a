//go:build linux && ovio_faults

package ovio_test

import (
	"context"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ovio/ovio/internal/fault"
	"github.com/ovio/ovio/internal/uring"
)

// TestFaultReaperWaitFailsForever makes every wait of the reaper (io_uring_enter with
// GETEVENTS and min_complete 1) fail at once with EINVAL, as no kernel is known to. The op the
// reaper waits for must still complete when its data arrives, and the reaper must not spin
// meanwhile: in 300 ms a loop that retries at once calls io_uring_enter many thousands of times,
// one that backs off (up to 10 ms) a few dozen. The bound, 1000, fails only a spin.
func TestFaultReaperWaitFailsForever(t *testing.T) {
	var waits atomic.Int64
	h := &fault.Hooks{Syscall: func(c *fault.Call) (bool, uintptr, error) {
		if c.Name == "io_uring_enter" && c.Args[1] == 0 && c.Args[2] == 1 && c.Args[3] == uring.EnterGetevents {
			waits.Add(1)
			return true, 0, syscall.EINVAL
		}
		return false, 0, nil
	}}
	e := openFaultEngine(t, "io_uring", nil, h, nil)
	p := newPending(t, e)
	ret := make(chan error, 1)
	buf := make([]byte, 4)
	go func() {
		n, err := e.Do(context.Background(), p.read(buf))
		if err == nil && (n != 4 || string(buf) != "data") {
			t.Errorf("read %d bytes, %q; want \"data\"", n, buf[:n])
		}
		ret <- err
	}()
	waitInFlight(t, e, 1)
	time.Sleep(300 * time.Millisecond)
	p.feed([]byte("data"))
	select {
	case err := <-ret:
		if err != nil {
			t.Fatalf("read: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the read did not complete while the reaper's waits failed")
	}
	n := waits.Load()
	if n == 0 {
		t.Fatal("the reaper never waited: the test did not reach the state it is about")
	}
	if n > 1000 {
		t.Errorf("the reaper called io_uring_enter %d times in about 300 ms: it spins on a failing wait", n)
	}
	t.Logf("%d failed waits", n)
}
