//go:build unix && !ovio_faults

package ovio

import "golang.org/x/sys/unix"

// Without the ovio_faults tag the injection sites of the blocking engine make the plain calls,
// and inline to them. See faults_blocking_on.go.

func faultPoll(fds []unix.PollFd, timeout int, poller bool) (int, error) {
	return unix.Poll(fds, timeout)
}
