//go:build windows && !ovio_faults

package ovio

import (
	"github.com/ovio/ovio/internal/iocp"
	"golang.org/x/sys/windows"
)

// Without the ovio_faults tag the injection sites of the IOCP engine make the plain calls, and
// inline to them. See faults_on_windows.go.

func faultGetQueued(port windows.Handle, entries []iocp.OverlappedEntry, timeout uint32) (int, error) {
	return iocp.GetQueuedCompletionStatusEx(port, entries, timeout)
}

func faultPackets(entries []iocp.OverlappedEntry) []iocp.OverlappedEntry { return entries }

func faultCancelIoEx(h windows.Handle, ov *windows.Overlapped) error {
	return windows.CancelIoEx(h, ov)
}
