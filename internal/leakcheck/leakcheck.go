// Package leakcheck tells whether a test left goroutines, file descriptors, or anything a
// package counts itself (ops in flight, pinned memory) behind. Every package's TestMain calls
// Main, which takes a Snapshot before m.Run and Checks it after.
package leakcheck

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Counter is something a package counts that must come back to where it started: the ops in
// flight of its engines, the pointers they hold pinned. Count returns -1 when it cannot count.
type Counter struct {
	Name  string
	Count func() int
}

// Snapshot is what a process holds at one moment.
type Snapshot struct {
	Goroutines int
	FDs        int   // open file descriptors, or -1 where the platform cannot count them
	Counts     []int // one per Counter, in order
	fds        fdSet // the descriptors themselves, where the platform lists them (not Windows)
}

// fdSet maps each open file descriptor to what it refers to (its /proc/self/fd link).
type fdSet map[int]string

// opened returns the descriptors of now that s did not hold: new numbers, and numbers reused
// for something else.
func (s fdSet) opened(now fdSet) []string {
	var out []string
	for fd, target := range now {
		if was, ok := s[fd]; !ok || was != target {
			out = append(out, fmt.Sprintf("%d -> %s", fd, target))
		}
	}
	slices.Sort(out)
	return out
}

// Take records the goroutines and file descriptors of the process now, and each counter.
func Take(counters ...Counter) Snapshot {
	s := Snapshot{Goroutines: countGoroutines()}
	s.FDs, s.fds = takeFDs()
	for _, c := range counters {
		s.Counts = append(s.Counts, c.Count())
	}
	return s
}

// Check waits up to timeout for the process to hold no more than it held at s, by the same
// counters, and otherwise returns an error that says what grew and lists the goroutines still
// running.
func Check(s Snapshot, timeout time.Duration, counters ...Counter) error {
	deadline := time.Now().Add(timeout)
	for {
		// Collect first: finalizers close what was dropped, and the runtime's Pinner finalizer
		// crashes the process if a dropped Pinner still holds a pin.
		runtime.GC()
		now := Take(counters...)
		var grew []string
		if now.Goroutines > s.Goroutines {
			grew = append(grew, fmt.Sprintf("%d goroutines (was %d)", now.Goroutines, s.Goroutines))
		}
		if s.fds != nil && now.fds != nil {
			if opened := s.fds.opened(now.fds); len(opened) > 0 {
				grew = append(grew, fmt.Sprintf("%d file descriptors opened since (%d open before):\n  %s",
					len(opened), s.FDs, strings.Join(opened, "\n  ")))
			}
		} else if now.FDs > s.FDs && s.FDs >= 0 {
			grew = append(grew, fmt.Sprintf("%d file descriptors (was %d)", now.FDs, s.FDs))
		}
		for i, c := range counters {
			if now.Counts[i] > s.Counts[i] && s.Counts[i] >= 0 {
				grew = append(grew, fmt.Sprintf("%d %s (was %d)", now.Counts[i], c.Name, s.Counts[i]))
			}
		}
		if len(grew) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			return fmt.Errorf("leak: %s\n%s", strings.Join(grew, "; "), buf)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Main runs a test binary's tests, then fails the binary if they leaked goroutines, file
// descriptors or what counters count. Use it as
// func TestMain(m *testing.M) { leakcheck.Main(m) }.
func Main(m interface{ Run() int }, counters ...Counter) {
	// The runtime opens its netpoller's descriptors on first use and keeps them: open them now,
	// so that they count as there before the tests.
	if r, w, err := os.Pipe(); err == nil {
		r.SetReadDeadline(time.Now())
		r.Close()
		w.Close()
	}
	before := Take(counters...)
	code := m.Run()
	if code == 0 {
		if err := Check(before, 10*time.Second, counters...); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// RunFunc is a func that Main runs as it runs a *testing.M: a TestMain with work to do around
// m.Run (a build, a temporary directory to remove) passes it instead of m.
type RunFunc func() int

// Run calls f.
func (f RunFunc) Run() int { return f() }

// countGoroutines counts the goroutines but those the runtime or the testing package start once
// and keep: os/signal's loop, which go test -fuzz starts to catch an interrupt.
func countGoroutines() int {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.HasPrefix(g, "goroutine ") && !strings.Contains(g, "os/signal.signal_recv") {
			count++
		}
	}
	return count
}
