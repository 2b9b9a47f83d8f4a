//go:build linux && ovio_faults

package uring

import (
	"syscall"
	"testing"

	"github.com/ovio/ovio/internal/fault"
)

// TestEnterFault checks the injection site itself: a hook can answer io_uring_enter in the
// kernel's place, and can rewrite its arguments.
func TestEnterFault(t *testing.T) {
	r := newRing(t, Config{Entries: 4})
	var calls int
	restore := fault.Set(&fault.Hooks{Syscall: func(c *fault.Call) (bool, uintptr, error) {
		calls++
		if c.Name != "io_uring_enter" || c.Args[0] != uintptr(r.Fd()) {
			t.Errorf("call %q fd %d, want io_uring_enter of fd %d", c.Name, c.Args[0], r.Fd())
		}
		if c.Args[1] == 2 {
			return true, 0, syscall.EINTR
		}
		c.Args[1] = 1 // submit one entry at a time
		return false, 0, nil
	}})
	defer restore()
	tail := r.SQTail()
	for i := uint32(0); i < 2; i++ {
		sqe := r.SQE(tail + i)
		*sqe = SQE{}
		sqe.PrepNop()
		sqe.UserData = uint64(i)
	}
	r.SetSQTail(tail + 2)
	if _, err := r.Enter(2, 0, 0); err != syscall.EINTR {
		t.Fatalf("Enter with an injected EINTR: %v", err)
	}
	if r.SQHead() != tail {
		t.Fatal("the kernel consumed entries of a call the hook answered")
	}
	if n, err := r.Enter(3, 0, 0); n != 1 || err != nil {
		t.Fatalf("Enter rewritten to submit one entry: %d, %v", n, err)
	}
	if n, err := r.Enter(1, 2, EnterGetevents); n != 1 || err != nil {
		t.Fatalf("Enter of the second entry: %d, %v", n, err)
	}
	if got := r.CQTail() - r.CQHead(); got != 2 {
		t.Fatalf("%d completions, want 2", got)
	}
	if calls != 3 {
		t.Errorf("the hook saw %d calls, want 3", calls)
	}
	restore()
	if _, err := r.Enter(0, 0, 0); err != nil {
		t.Fatalf("Enter after the hooks were removed: %v", err)
	}
	if calls != 3 {
		t.Error("the hook still runs after it was removed")
	}
}
