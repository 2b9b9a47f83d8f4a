//go:build unix

package ovio

import "syscall"

// isCancelError reports whether a native error says the op was cancelled: ECANCELED, or EINTR
// for an op the kernel interrupted in a worker thread. Linux also lets the kernel's internal
// restart codes (ERESTARTSYS and its kin, 512 to 516) through from an op interrupted in an
// io_uring worker: a cancelled IORING_OP_SPLICE from an empty pipe completes with -512.
func isCancelError(err error) bool {
	if err == syscall.ECANCELED || err == syscall.EINTR {
		return true
	}
	errno, ok := err.(syscall.Errno)
	return ok && errno >= errRestartSys && errno <= errRestartBlock
}

const (
	errRestartSys   syscall.Errno = 512 // ERESTARTSYS
	errRestartBlock syscall.Errno = 516 // ERESTART_RESTARTBLOCK
)
