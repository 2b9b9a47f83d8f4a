//go:build windows && ovio_faults

package ovio

// The IOCP engine's fault injection sites, built with the ovio_faults tag only (see
// internal/fault). faults_off_windows.go has the same functions, making the plain calls, for
// normal builds.

import (
	"github.com/ovio/ovio/internal/fault"
	"github.com/ovio/ovio/internal/iocp"
	"golang.org/x/sys/windows"
)

// faultGetQueued is the completion goroutine's GetQueuedCompletionStatusEx. The hooks may ask
// for fewer packets (one at a time), change the timeout (0: the system answers WAIT_TIMEOUT when
// nothing is queued), or answer in the system's place: an error, or an early return with no
// packet.
func faultGetQueued(port windows.Handle, entries []iocp.OverlappedEntry, timeout uint32) (int, error) {
	h := fault.Load()
	if h == nil || h.Syscall == nil {
		return iocp.GetQueuedCompletionStatusEx(port, entries, timeout)
	}
	c := fault.Call{
		Name: "GetQueuedCompletionStatusEx",
		Args: [6]uintptr{uintptr(port), 0, uintptr(len(entries)), 0, uintptr(timeout), 0},
	}
	if handled, _, err := h.Syscall(&c); handled {
		return 0, err
	}
	count := max(1, min(int(c.Args[2]), len(entries)))
	n, err := iocp.GetQueuedCompletionStatusEx(port, entries[:count], uint32(c.Args[4]))
	if c.Done != nil {
		c.Done(uintptr(n), err)
	}
	return n, err
}

// faultPackets lets the hooks rewrite, drop, duplicate or add packets before they are delivered.
// entries is the batch the system returned; the result replaces it.
func faultPackets(entries []iocp.OverlappedEntry) []iocp.OverlappedEntry {
	h := fault.Load()
	if h == nil || h.Completions == nil {
		return entries
	}
	cs := make([]fault.Completion, len(entries))
	for i, en := range entries {
		cs[i] = fault.Completion{Key: uint64(en.CompletionKey), UserData: uint64(en.Overlapped),
			Res: int32(en.NumberOfBytesTransferred)}
	}
	out := make([]iocp.OverlappedEntry, 0, len(entries))
	for _, c := range h.Completions(cs) {
		out = append(out, iocp.OverlappedEntry{CompletionKey: uintptr(c.Key), Overlapped: uintptr(c.UserData),
			NumberOfBytesTransferred: uint32(c.Res)})
	}
	return out
}

// faultCancelIoEx is the cancel's CancelIoEx. The hooks may answer in the system's place
// (ERROR_NOT_FOUND: the cancel did nothing, and the op runs on) or point the cancel at another
// address, which the system then answers for.
func faultCancelIoEx(handle windows.Handle, ov *windows.Overlapped) error {
	h := fault.Load()
	if h == nil || h.Syscall == nil {
		return windows.CancelIoEx(handle, ov)
	}
	c := fault.Call{Name: "CancelIoEx", Args: [6]uintptr{uintptr(handle), iocp.Addr(ov)}}
	if handled, _, err := h.Syscall(&c); handled {
		return err
	}
	// ov stays reachable (it is in the op table) and pinned while the op is in flight; the
	// system only compares the address.
	err := iocp.CancelAddr(windows.Handle(c.Args[0]), c.Args[1])
	if c.Done != nil {
		c.Done(0, err)
	}
	return err
}
