//go:build ovio_faults

package ovio_test

// What the fault tests of every engine share (faults_linux_test.go for io_uring,
// faults_windows_test.go for IOCP, faults_blocking_test.go for the blocking engine): an engine
// opened under hooks and checked when closed, and a tally of what the hooks did.

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ovio/ovio"
	"github.com/ovio/ovio/internal/fault"
)

// openFaultEngine sets h and opens an engine of kind (a kind of the conformance suite) under it.
// At the test's end it closes the engine (within a time limit), checks that Ignored is what the
// test injected (ignored, nil meaning none), that nothing is in flight or pinned, and removes
// the hooks.
func openFaultEngine(t *testing.T, kind string, cfg *ovio.Config, h *fault.Hooks, ignored func() uint64) *ovio.Engine {
	t.Helper()
	t.Cleanup(fault.Set(h))
	c := ovio.Config{}
	if cfg != nil {
		c = *cfg
	}
	c.Kind, c.SingleIssuer = engineConfig(kind)
	e, err := ovio.Open(&c)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { checkClosed(t, e, ignored) })
	return e
}

// checkClosed closes e and checks what must hold after Close.
func checkClosed(t *testing.T, e *ovio.Engine, ignored func() uint64) {
	t.Helper()
	closeWithin(t, e, 30*time.Second)
	want := uint64(0)
	if ignored != nil {
		want = ignored()
	}
	s := e.Stats()
	if s.Ignored != want {
		t.Errorf("%d completions ignored, want %d: an op completed twice, or a completion was lost", s.Ignored, want)
	}
	if s.InFlight != 0 {
		t.Errorf("%d ops in flight after Close", s.InFlight)
	}
	if n := ovio.PinnedPointers(e); n > 0 {
		t.Errorf("%d pointers pinned after Close", n)
	}
}

func closeWithin(t *testing.T, e *ovio.Engine, d time.Duration) {
	t.Helper()
	finished := make(chan struct{})
	go watchdog(finished, d, "Close")
	if err := e.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	close(finished)
}

// tally counts what the hooks did, by name.
type tally struct {
	mu sync.Mutex
	m  map[string]int
}

func (c *tally) add(name string) {
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]int{}
	}
	c.m[name]++
	c.mu.Unlock()
}

func (c *tally) get(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[name]
}

// need fails the test unless the hooks did name at least min times.
func (c *tally) need(t *testing.T, name string, min int) {
	t.Helper()
	if n := c.get(name); n < min {
		t.Errorf("%q happened %d times, want at least %d: the test did not reach the state it is about", name, n, min)
	}
}

func (c *tally) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return fmt.Sprint(c.m)
}

// waitFor waits up to 10 seconds for cond.
//
//lint:ignore U1000 the Linux and Windows fault tests', not the other systems'
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
