// Package leakcheck tells whether a test left goroutines or file descriptors behind. Tests call
// it from TestMain: take a Snapshot before m.Run and Check it after.
package leakcheck

import (
	"fmt"
	"os"
	"runtime"
	"time"
)

// Snapshot is what a process holds at one moment.
type Snapshot struct {
	Goroutines int
	FDs        int // open file descriptors, or -1 where the platform cannot count them
}

// Take records the goroutines and file descriptors of the process now.
func Take() Snapshot {
	return Snapshot{Goroutines: runtime.NumGoroutine(), FDs: countFDs()}
}

// Check waits up to timeout for the process to hold no more than it held at s, and otherwise
// returns an error that lists the goroutines still running.
func Check(s Snapshot, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		now := Take()
		if now.Goroutines <= s.Goroutines && now.FDs <= s.FDs {
			return nil
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			return fmt.Errorf("leak: %d goroutines (was %d), %d file descriptors (was %d)%s\n%s",
				now.Goroutines, s.Goroutines, now.FDs, s.FDs, fdList(), buf)
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}

// Main runs a test binary's tests, then fails the binary if they leaked. Use it as
// func TestMain(m *testing.M) { leakcheck.Main(m) }.
func Main(m interface{ Run() int }) {
	// The runtime opens its netpoller's descriptors on first use and keeps them: open them now,
	// so that they count as there before the tests.
	if r, w, err := os.Pipe(); err == nil {
		r.SetReadDeadline(time.Now())
		r.Close()
		w.Close()
	}
	before := Take()
	code := m.Run()
	if code == 0 {
		if err := Check(before, 10*time.Second); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}
