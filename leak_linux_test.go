package ovio_test

import (
	"context"
	"testing"

	"github.com/ovio/ovio"
)

// TestLeakCountersSeeOps checks that the counters the leak check in TestMain compares do count:
// an op in flight, and the buffer it pins, show up, and are gone once it completes.
func TestLeakCountersSeeOps(t *testing.T) {
	e := openEngine(t, "io_uring", nil)
	counters := ovio.LeakCounters()
	count := func() (inFlight, pinned int) { return counters[0].Count(), counters[1].Count() }
	f0, p0 := count()
	if p0 < 0 {
		t.Skip("this Go release's runtime.Pinner cannot be counted")
	}
	p := newPending(t, e)
	fut := e.Start(context.Background(), p.read(make([]byte, 4)))
	waitInFlight(t, e, 1)
	if f, pinned := count(); f != f0+1 || pinned <= p0 {
		t.Errorf("with a read in flight: %d ops in flight, %d pinned (were %d, %d)", f, pinned, f0, p0)
	}
	if ovio.PinnedPointers(e) < 1 {
		t.Error("the engine of the read pins nothing")
	}
	p.feed([]byte("done"))
	if _, err := fut.Result(); err != nil {
		t.Fatal(err)
	}
	if f, pinned := count(); f != f0 || pinned != p0 {
		t.Errorf("after the read: %d ops in flight, %d pinned (were %d, %d)", f, pinned, f0, p0)
	}
}
