//go:build linux && ovio_faults

package ovio

// The io_uring engine's fault injection sites, and the blocking engine's that only Linux has,
// built with the ovio_faults tag only (see internal/fault). faults_off_linux.go has the same
// functions, empty or making the plain call, for normal builds.

import (
	"os"

	"github.com/ovio/ovio/internal/fault"
	"github.com/ovio/ovio/internal/uring"
)

// faultRingConfig lets the hooks shrink the completion queue, so that completions overflow
// into the kernel's list (IORING_FEAT_NODROP) and the engine must drain them with GETEVENTS.
func faultRingConfig(rc *uring.Config) {
	if h := fault.Load(); h != nil && h.CQEntries != 0 {
		rc.CQEntries = h.CQEntries
	}
}

// newRing sets up a ring, unless the hooks answer io_uring_setup in the kernel's place (a
// kernel that refuses a setup flag, say).
func newRing(rc uring.Config) (*uring.Ring, error) {
	if h := fault.Load(); h != nil && h.Syscall != nil {
		c := fault.Call{Name: "io_uring_setup", Args: [6]uintptr{uintptr(rc.Entries), uintptr(rc.Flags)}}
		if handled, _, err := h.Syscall(&c); handled && err != nil {
			return nil, os.NewSyscallError("io_uring_setup", err)
		}
	}
	return uring.New(rc)
}

// faultInternalSQE lets the hooks redirect an ASYNC_CANCEL entry, so that the kernel answers
// ENOENT and the op it was meant for runs on: a lost cancel.
func faultInternalSQE(kind uint32, sqe *uring.SQE) {
	if h := fault.Load(); h != nil && h.Cancel != nil && kind == udCancel {
		sqe.Addr = h.Cancel(sqe.Addr)
	}
}

// faultCQEs lets the hooks rewrite, drop, duplicate or add completions before they are
// delivered. buf is the reaper's buffer; the result replaces it.
func faultCQEs(buf []uring.CQE) []uring.CQE {
	h := fault.Load()
	if h == nil || h.Completions == nil {
		return buf
	}
	cs := make([]fault.Completion, len(buf))
	for i, c := range buf {
		cs[i] = fault.Completion{UserData: c.UserData, Res: c.Res, Flags: c.Flags}
	}
	buf = buf[:0]
	for _, c := range h.Completions(cs) {
		buf = append(buf, uring.CQE{UserData: c.UserData, Res: c.Res, Flags: c.Flags})
	}
	return buf
}

// faultNowait is the blocking engine's RWF_NOWAIT read or write of a stream at its current
// position. The hooks may answer in the system's place with an error: EAGAIN says the
// descriptor is not ready (another reader took what was there), and the op parks.
func faultNowait(fd int, bufs [][]byte, write bool) (int, error) {
	h := fault.Load()
	if h == nil || h.Syscall == nil {
		return nowait(fd, bufs, write)
	}
	c := fault.Call{Name: "preadv2", Args: [6]uintptr{uintptr(fd), uintptr(len(bufs))}}
	if write {
		c.Name = "pwritev2"
	}
	if handled, _, err := h.Syscall(&c); handled && err != nil {
		return 0, err
	}
	n, err := nowait(fd, bufs, write)
	if c.Done != nil {
		c.Done(uintptr(max(n, 0)), err)
	}
	return n, err
}
