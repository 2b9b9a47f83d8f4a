//go:build windows

package iocp

import "golang.org/x/sys/windows"

// The //sys lines below are expanded into zsyscall_windows.go by mkwinsyscall (see doc.go).
// Each takes the form of x/sys/windows's own declarations.

//sys	getQueuedCompletionStatusEx(port windows.Handle, entries *OverlappedEntry, count uint32, removed *uint32, timeout uint32, alertable bool) (err error) = kernel32.GetQueuedCompletionStatusEx

//sys	postQueuedCompletionStatus(port windows.Handle, qty uint32, key uintptr, overlapped uintptr) (err error) = kernel32.PostQueuedCompletionStatus

//sys	ntNotifyChangeDirectoryFile(h windows.Handle, event windows.Handle, apcRoutine uintptr, apcContext *windows.Overlapped, iosb *windows.Overlapped, buf *byte, length uint32, filter uint32, watchTree bool) (status uint32) = ntdll.NtNotifyChangeDirectoryFile

// NotifyChangeDirectory starts NtNotifyChangeDirectoryFile on the directory h with ov as both its
// ApcContext (which the completion packet carries as lpOverlapped) and its IO_STATUS_BLOCK (the
// OVERLAPPED's Internal members), and returns its NTSTATUS.
//
// This is ReadDirectoryChangesW without its one defect for an engine: that function returns TRUE
// both for a call it completed at once and for one it queued, so with
// FILE_SKIP_COMPLETION_PORT_ON_SUCCESS nothing tells whether a packet will follow. The NTSTATUS
// does: STATUS_PENDING, or not.
func NotifyChangeDirectory(h windows.Handle, buf []byte, filter uint32, subtree bool, ov *windows.Overlapped) uint32 {
	var p *byte
	if len(buf) > 0 {
		p = &buf[0]
	}
	return ntNotifyChangeDirectoryFile(h, 0, 0, ov, ov, p, uint32(len(buf)), filter, subtree)
}

// PostAddr posts a packet whose lpOverlapped is any address, not only a Go pointer: the form of a
// packet some other component posts to a port. Tests use it to check that the engine ignores
// what it did not issue.
func PostAddr(port windows.Handle, qty uint32, key uintptr, overlapped uintptr) error {
	return postQueuedCompletionStatus(port, qty, key, overlapped)
}

// GetQueuedCompletionStatusEx removes up to len(entries) packets from port, waiting up to timeout
// milliseconds (windows.INFINITE: without limit) for the first, and returns how many it removed.
// It fails with WAIT_TIMEOUT when none came in time, and with ERROR_ABANDONED_WAIT_0 when port is
// closed while it waits.
func GetQueuedCompletionStatusEx(port windows.Handle, entries []OverlappedEntry, timeout uint32) (int, error) {
	if len(entries) == 0 {
		return 0, windows.ERROR_INVALID_PARAMETER
	}
	var n uint32
	err := getQueuedCompletionStatusEx(port, &entries[0], uint32(len(entries)), &n, timeout, false)
	return int(n), err
}
