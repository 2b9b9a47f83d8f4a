//go:build unix && ovio_faults

package ovio

// The blocking engine's fault injection sites, built with the ovio_faults tag only (see
// internal/fault). faults_blocking_off.go has the same functions, making the plain calls, for
// normal builds.

import (
	"github.com/ovio/ovio/internal/fault"
	"golang.org/x/sys/unix"
)

// faultPoll is poll(2) of the poller (poller true) or of a worker looking at one descriptor
// with no timeout. The hooks may change the timeout, or answer in the system's place: an error
// (EINTR, ENOMEM), or a return with no descriptor ready.
func faultPoll(fds []unix.PollFd, timeout int, poller bool) (int, error) {
	h := fault.Load()
	if h == nil || h.Syscall == nil {
		return unix.Poll(fds, timeout)
	}
	c := fault.Call{Name: "poll", Args: [6]uintptr{uintptr(len(fds)), uintptr(timeout)}}
	if poller {
		c.Status = 1
	}
	if handled, _, err := h.Syscall(&c); handled {
		for i := range fds {
			fds[i].Revents = 0
		}
		return 0, err
	}
	n, err := unix.Poll(fds, int(c.Args[1]))
	if c.Done != nil {
		c.Done(uintptr(n), err)
	}
	return n, err
}
