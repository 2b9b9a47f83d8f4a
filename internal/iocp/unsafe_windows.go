//go:build windows

package iocp

import (
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Addr returns the address of ov, to compare with the lpOverlapped of a completion packet.
//
// Sound: the address is only compared, never turned back into a pointer. The OVERLAPPEDs the
// engine issues live in heap chunks that live as long as the engine; Go's heap objects do not
// move, so the address stays the one the kernel was given.
func Addr(ov *windows.Overlapped) uintptr { return uintptr(unsafe.Pointer(ov)) }

// Aligned reports whether b's first byte is on an n-byte boundary (n a power of two); an empty b
// is aligned.
//
// Sound: the address is only tested, never used as a pointer.
func Aligned(b []byte, n uintptr) bool {
	return len(b) == 0 || uintptr(unsafe.Pointer(unsafe.SliceData(b)))&(n-1) == 0
}

// FileMode returns the FILE_MODE_INFORMATION of h: FILE_SYNCHRONOUS_IO_ALERT or
// FILE_SYNCHRONOUS_IO_NONALERT is set for a handle opened without FILE_FLAG_OVERLAPPED.
//
// Sound: NtQueryInformationFile writes at most the 4 bytes it is given, into a variable that
// outlives the call.
func FileMode(h windows.Handle) (uint32, error) {
	var mode uint32
	var iosb windows.IO_STATUS_BLOCK
	err := windows.NtQueryInformationFile(h, &iosb, (*byte)(unsafe.Pointer(&mode)), 4, ClassFileMode)
	return mode, err
}

// FileAttributeTag returns the FILE_ATTRIBUTE_TAG_INFO of h, GetFileInformationByHandleEx's
// FileAttributeTagInfo class: its attributes and, for a reparse point, its reparse tag. os's Stat
// asks it for the tag of a file whose attributes say FILE_ATTRIBUTE_REPARSE_POINT.
//
// Sound: the call writes at most the size it is given, into a variable that outlives the call.
func FileAttributeTag(h windows.Handle) (FileAttributeTagInfo, error) {
	var ti FileAttributeTagInfo
	err := windows.GetFileInformationByHandleEx(h, windows.FileAttributeTagInfo, (*byte)(unsafe.Pointer(&ti)), uint32(unsafe.Sizeof(ti)))
	return ti, err
}

// Dissociate removes the association of h's file with its completion port
// (FileReplaceCompletionInformation with a null port, Windows 8.1 and later). It fails with
// STATUS_INVALID_INFO_CLASS or STATUS_NOT_IMPLEMENTED (a windows.NTStatus) where the system lacks
// that class, as Wine 8 does.
//
// Sound: NtSetInformationFile reads the FILE_COMPLETION_INFORMATION during the call only.
func Dissociate(h windows.Handle) error {
	var info FileCompletionInformation
	var iosb windows.IO_STATUS_BLOCK
	return windows.NtSetInformationFile(h, &iosb, (*byte)(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info)), ClassFileReplaceCompletion)
}

// cldapi.dll is loaded on first use, like the DLLs of the generated code: it is missing before
// Windows 10 1709 and under Wine 8.
var (
	modcldapi                = windows.NewLazySystemDLL("cldapi.dll")
	procCfHydratePlaceholder = modcldapi.NewProc("CfHydratePlaceholder")

	cfHydrateStandIn atomic.Uintptr // tests: the address of a stand-in for CfHydratePlaceholder
)

// CfHydratePlaceholder calls cldapi.dll's
//
//	HRESULT CfHydratePlaceholder(HANDLE FileHandle, LARGE_INTEGER StartingOffset,
//	    LARGE_INTEGER Length, CF_HYDRATE_FLAGS HydrateFlags, LPOVERLAPPED Overlapped);
//
// and returns its HRESULT. err is not nil only when the DLL or the function cannot be found, and then
// the function was not called: the loader's error for a missing DLL (ERROR_MOD_NOT_FOUND, a
// windows.Errno), a *windows.DLLError for a DLL without the function.
//
// It is written by hand rather than by mkwinsyscall because the LARGE_INTEGERs are passed by value:
// one register each on amd64 and arm64, two stack words (low, then high) on 386, which the
// generated code does not split.
//
// Sound: ov is passed as the call's argument and the caller keeps it alive and pinned until the
// request completes (ovio's OVERLAPPEDs live in the engine's op table, and are pinned while in
// flight).
func CfHydratePlaceholder(file windows.Handle, off, length int64, flags uint32, ov *windows.Overlapped) (hr int32, err error) {
	addr := cfHydrateStandIn.Load()
	if addr == 0 {
		if err := procCfHydratePlaceholder.Find(); err != nil {
			return 0, err
		}
		addr = procCfHydratePlaceholder.Addr()
	}
	var r uintptr
	if unsafe.Sizeof(uintptr(0)) == 8 {
		r, _, _ = syscall.SyscallN(addr, uintptr(file), uintptr(off), uintptr(length), uintptr(flags), uintptr(unsafe.Pointer(ov)))
	} else {
		r, _, _ = syscall.SyscallN(addr, uintptr(file), uintptr(uint32(off)), uintptr(uint64(off)>>32),
			uintptr(uint32(length)), uintptr(uint64(length)>>32), uintptr(flags), uintptr(unsafe.Pointer(ov)))
	}
	return int32(r), nil
}

// SetCfHydratePlaceholderStandIn makes CfHydratePlaceholder call the native function at addr (a
// syscall.NewCallback of the same signature) instead of cldapi.dll's, until the returned function
// is called. It exists for tests: Wine 8 has no cldapi.dll, so the engine's handling of the real
// HRESULTs is verified with a stand-in that returns them.
func SetCfHydratePlaceholderStandIn(addr uintptr) (restore func()) {
	old := cfHydrateStandIn.Swap(addr)
	return func() { cfHydrateStandIn.Store(old) }
}

// CfHydratePlaceholderProc returns the lazily loaded procedure, for its Find method: tests use it
// to tell a system with cldapi.dll from one without.
func CfHydratePlaceholderProc() *windows.LazyProc { return procCfHydratePlaceholder }

// CfHydratePlaceholderAvailable returns nil if CfHydratePlaceholder can be called (a stand-in is
// set, or cldapi.dll and its function were found), else the loader's error.
func CfHydratePlaceholderAvailable() error {
	if cfHydrateStandIn.Load() != 0 {
		return nil
	}
	return procCfHydratePlaceholder.Find()
}

// SocketIFS reports whether h is a Winsock socket and, if so, whether its provider gives IFS
// handles (XP1_IFS_HANDLES), handles the I/O manager completes itself. A layered provider that is
// not IFS may complete a call at once and still queue a packet for it, so that
// FILE_SKIP_COMPLETION_PORT_ON_SUCCESS would not mean that no packet follows. Go's internal/poll
// sets the mode on sockets only if every TCP provider is IFS; asking the socket which provider
// serves it (SO_PROTOCOL_INFOW: for a layered socket, the top of its chain) is exact, and does not
// turn the mode off for every socket because some unrelated protocol (Wine's IPX) is not IFS.
// Sockets are FILE_TYPE_PIPE to GetFileType; only those are asked, and anything else fails
// getsockopt (also before Winsock was started, when h cannot be a socket).
func SocketIFS(h windows.Handle) (socket, ifs bool) {
	if t, err := windows.GetFileType(h); err != nil || t != windows.FILE_TYPE_PIPE {
		return false, false
	}
	var info windows.WSAProtocolInfo
	n := int32(unsafe.Sizeof(info))
	if windows.Getsockopt(h, windows.SOL_SOCKET, soProtocolInfoW, (*byte)(unsafe.Pointer(&info)), &n) != nil {
		return false, false
	}
	return true, info.ServiceFlags1&windows.XP1_IFS_HANDLES != 0
}

const soProtocolInfoW = 0x2005 // SO_PROTOCOL_INFOW, which x/sys/windows lacks
