package iocp

// OverlappedEntry mirrors OVERLAPPED_ENTRY (minwinbase.h), what GetQueuedCompletionStatusEx fills
// for each packet it removes:
//
//	typedef struct _OVERLAPPED_ENTRY {
//	    ULONG_PTR    lpCompletionKey;
//	    LPOVERLAPPED lpOverlapped;
//	    ULONG_PTR    Internal;
//	    DWORD        dwNumberOfBytesTransferred;
//	} OVERLAPPED_ENTRY;
//
// Overlapped is an address, not a Go pointer: a packet that another component posted to the port
// can carry any value there, and a Go pointer field holding a value that is not a pointer to a live
// Go object can make the garbage collector abort the process. The engine compares the address with
// the OVERLAPPEDs it issued and never dereferences one it did not issue.
//
// Internal is the packet's status (the NTSTATUS of the completed request, as the I/O manager
// posted it). Microsoft documents the field as reserved; the engine reads the status from the
// OVERLAPPED's own Internal member, which is documented, and uses this one only in tests.
type OverlappedEntry struct {
	CompletionKey            uintptr
	Overlapped               uintptr
	Internal                 uintptr
	NumberOfBytesTransferred uint32
}

// FileCompletionInformation mirrors FILE_COMPLETION_INFORMATION (ntifs.h), the argument of
// NtSetInformationFile's FileCompletionInformation and FileReplaceCompletionInformation classes:
//
//	typedef struct _FILE_COMPLETION_INFORMATION {
//	    HANDLE Port;
//	    PVOID  Key;
//	} FILE_COMPLETION_INFORMATION;
type FileCompletionInformation struct {
	Port uintptr
	Key  uintptr
}

// The layout of FILE_NOTIFY_INFORMATION (winnt.h), the records ReadDirectoryChangesW writes:
//
//	typedef struct _FILE_NOTIFY_INFORMATION {
//	    DWORD NextEntryOffset;
//	    DWORD Action;
//	    DWORD FileNameLength;
//	    WCHAR FileName[1];
//	} FILE_NOTIFY_INFORMATION;
//
// The records are parsed from bytes, not overlaid on a struct, so that a malformed buffer cannot
// make the parser read out of bounds.
const (
	NotifyNextEntryOffset = 0  // offset of NextEntryOffset
	NotifyAction          = 4  // offset of Action
	NotifyFileNameLength  = 8  // offset of FileNameLength, in bytes
	NotifyFileName        = 12 // offset of FileName, UTF-16 without a terminating NUL
	NotifyAlign           = 4  // records start on DWORD boundaries
)

// Information classes of NtQueryInformationFile and NtSetInformationFile (wdm.h, ntifs.h).
// x/sys/windows has FileReplaceCompletionInformation only.
const (
	ClassFileMode                     = 16 // FileModeInformation
	ClassFileCompletion               = 30 // FileCompletionInformation
	ClassFileIoCompletionNotification = 41 // FileIoCompletionNotificationInformation
	ClassFileReplaceCompletion        = 61 // FileReplaceCompletionInformation
)
