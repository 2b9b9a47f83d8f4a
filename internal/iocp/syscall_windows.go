//go:build windows

package iocp

import "golang.org/x/sys/windows"

// The //sys lines below are expanded into zsyscall_windows.go by mkwinsyscall (see doc.go).
// Each takes the form of x/sys/windows's own declarations.

//sys	getQueuedCompletionStatusEx(port windows.Handle, entries *OverlappedEntry, count uint32, removed *uint32, timeout uint32, alertable bool) (err error) = kernel32.GetQueuedCompletionStatusEx

//sys	postQueuedCompletionStatus(port windows.Handle, qty uint32, key uintptr, overlapped uintptr) (err error) = kernel32.PostQueuedCompletionStatus

//sys	ntQueryDirectoryFile(h windows.Handle, event windows.Handle, apcRoutine uintptr, apcContext *windows.Overlapped, iosb *windows.Overlapped, buf *byte, length uint32, class uint32, singleEntry bool, mask uintptr, restartScan bool) (status uint32) = ntdll.NtQueryDirectoryFile

//sys	cancelIoEx(h windows.Handle, overlapped uintptr) (err error) = kernel32.CancelIoEx

//sys	getFileSizeEx(h windows.Handle, size *int64) (err error) = kernel32.GetFileSizeEx

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

// QueryDirectory starts NtQueryDirectoryFile on the directory h, filling buf with records of the
// information class class (ClassFileFullDirectory: FILE_FULL_DIR_INFORMATION) from the start of the
// directory if restart, else from where the last call on h stopped. ov is both its ApcContext (the
// completion packet's lpOverlapped) and its IO_STATUS_BLOCK, as for NotifyChangeDirectory, and the
// NTSTATUS is returned: STATUS_PENDING, or the call's outcome (STATUS_NO_MORE_FILES at the end).
//
// This is GetFileInformationByHandleEx(FileFullDirectoryInfo), which os's ReadDir calls, as a
// request the engine can await: that function passes no ApcContext and, on a handle opened for
// overlapped I/O, returns before a file system that pends the call has written the buffer.
func QueryDirectory(h windows.Handle, buf []byte, class uint32, restart bool, ov *windows.Overlapped) uint32 {
	var p *byte
	if len(buf) > 0 {
		p = &buf[0]
	}
	return ntQueryDirectoryFile(h, 0, 0, ov, ov, p, uint32(len(buf)), class, false, 0, restart)
}

// FileSize returns the size of the file h, as GetFileSizeEx: what os's Seek of an overlapped
// file counts io.SeekEnd from.
func FileSize(h windows.Handle) (int64, error) {
	var size int64
	err := getFileSizeEx(h, &size)
	return size, err
}

// PostAddr posts a packet whose lpOverlapped is any address, not only a Go pointer: the form of a
// packet some other component posts to a port. Tests use it to check that the engine ignores
// what it did not issue.
func PostAddr(port windows.Handle, qty uint32, key uintptr, overlapped uintptr) error {
	return postQueuedCompletionStatus(port, qty, key, overlapped)
}

// CancelAddr is CancelIoEx with the OVERLAPPED given by address: it cancels h's requests whose
// OVERLAPPED is at overlapped, and fails with ERROR_NOT_FOUND if there is none. The address is
// only compared with those of h's requests, never dereferenced, so it may be any value: the
// fault tests use it to make the system itself answer ERROR_NOT_FOUND.
func CancelAddr(h windows.Handle, overlapped uintptr) error {
	return cancelIoEx(h, overlapped)
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
