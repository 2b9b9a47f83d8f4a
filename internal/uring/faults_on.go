//go:build linux && ovio_faults

package uring

import "github.com/ovio/ovio/internal/fault"

const faultsEnabled = true

// enterFault shows an io_uring_enter to the fault hooks (internal/fault) before it is made. It
// may change the arguments, or answer in the kernel's place: handled then says so, and n and
// err are the answer. For the hook, Args[4] is the wait's timeout in nanoseconds when flags has
// EnterExtArg, and Status is the SQ ring's flags.
func (r *Ring) enterFault(toSubmit, minComplete, flags *uint32, timeout int64) (handled bool, n int, err error) {
	h := fault.Load()
	if h == nil || h.Syscall == nil {
		return false, 0, nil
	}
	c := fault.Call{
		Name:   "io_uring_enter",
		Args:   [6]uintptr{uintptr(r.fd), uintptr(*toSubmit), uintptr(*minComplete), uintptr(*flags), uintptr(timeout), 0},
		Status: r.SQFlags(),
	}
	handled, rv, err := h.Syscall(&c)
	if handled {
		return true, int(rv), err
	}
	*toSubmit, *minComplete, *flags = uint32(c.Args[1]), uint32(c.Args[2]), uint32(c.Args[3])
	return false, 0, nil
}
