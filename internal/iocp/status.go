package iocp

// NTSTATUS: the top two bits are the severity (ntdef.h).
//
//	0 success, 1 informational, 2 warning, 3 error
//
// An I/O request that completes synchronously with an error severity queues no completion packet
// and does not write its IO_STATUS_BLOCK; one that completes with any other severity writes it
// and queues a packet unless FILE_SKIP_COMPLETION_PORT_ON_SUCCESS applies (Windows applies it to
// success only; Wine also to warnings).
const (
	StatusSuccess        uint32 = 0x00000000
	StatusPending        uint32 = 0x00000103 // STATUS_PENDING
	StatusNotifyEnumDir  uint32 = 0x0000010C // STATUS_NOTIFY_ENUM_DIR: ReadDirectoryChangesW overflowed
	StatusBufferOverflow uint32 = 0x80000005 // STATUS_BUFFER_OVERFLOW, ERROR_MORE_DATA in Win32
	StatusCancelled      uint32 = 0xC0000120 // STATUS_CANCELLED, ERROR_OPERATION_ABORTED in Win32
	StatusNotImplemented uint32 = 0xC0000002 // STATUS_NOT_IMPLEMENTED
	StatusInvalidInfo    uint32 = 0xC0000003 // STATUS_INVALID_INFO_CLASS
)

// NTSuccess reports whether s has success or informational severity (NT_SUCCESS).
func NTSuccess(s uint32) bool { return int32(s) >= 0 }

// NTWarning reports whether s has warning severity.
func NTWarning(s uint32) bool { return s>>30 == 2 }

// NTError reports whether s has error severity (NT_ERROR).
func NTError(s uint32) bool { return s>>30 == 3 }

// HRESULT: the top bit is the severity (failure), bits 16-26 the facility (winerror.h).
const (
	FacilityWin32 = 7
	// HRESULTIOPending is HRESULT_FROM_WIN32(ERROR_IO_PENDING), what HRESULT-returning overlapped
	// APIs such as CfHydratePlaceholder return for a call that is in progress.
	HRESULTIOPending int32 = -0x7ff8fc1b // 0x800703E5
)

// HRESULTFromWin32 is HRESULT_FROM_WIN32: a Win32 error code as an HRESULT. 0 stays S_OK.
func HRESULTFromWin32(code uint32) int32 {
	if int32(code) <= 0 {
		return int32(code)
	}
	return int32(code&0xffff | FacilityWin32<<16 | 0x80000000)
}

// Win32FromHRESULT returns the Win32 error code an HRESULT of FACILITY_WIN32 carries, and
// whether hr is such an HRESULT.
func Win32FromHRESULT(hr int32) (code uint32, ok bool) {
	u := uint32(hr)
	if u&0xffff0000 == 0x80000000|FacilityWin32<<16 {
		return u & 0xffff, true
	}
	return 0, false
}
