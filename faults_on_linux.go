//go:build linux && ovio_faults

package ovio

// The io_uring engine's fault injection sites, built with the ovio_faults tag only (see
// internal/fault). faults_off_linux.go has the same functions, empty, for normal builds.

import (
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
