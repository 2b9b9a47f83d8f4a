//go:build unix

package ovio

import "syscall"

// isCancelError reports whether a native error says the op was cancelled: ECANCELED, or EINTR
// for an op the kernel interrupted in a worker thread.
func isCancelError(err error) bool { return err == syscall.ECANCELED || err == syscall.EINTR }
