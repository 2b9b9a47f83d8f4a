package ovio

import (
	"math"
	"runtime"

	"github.com/ovio/ovio/internal/iocp"
	"golang.org/x/sys/windows"
)

func init() {
	// In errors, ops are named after the Windows API they stand for.
	opNames[opRead] = "ReadFile"
	opNames[opWrite] = "WriteFile"
}

// winOp says which Windows call an opNative request makes.
type winOp uint8

const (
	winOverlapped winOp = iota // a caller's function: start holds it
	winDeviceIoControl
	winReadDirectoryChanges
	winConnectNamedPipe
	winLockFileEx
	winUnlockFileEx
	winCfHydratePlaceholder
)

// reqSys is the part of a Request only Windows has.
type reqSys struct {
	name  string // opNative: the API, for errors
	op    winOp
	start any    // winOverlapped: func(*windows.Overlapped) error, HRESULT or windows.NTStatus
	in    []byte // DeviceIoControl's input buffer; the output is Request.buf
	keep  []any
}

func (s *reqSys) check(r *Request) error {
	if uint64(len(r.buf)) > math.MaxUint32 || uint64(len(s.in)) > math.MaxUint32 {
		return argError("buffer longer than 4 GiB")
	}
	if r.code != opNative {
		return nil
	}
	switch s.op {
	case winOverlapped:
		if s.start == nil {
			return argError("nil start function")
		}
		return checkKeep(s.keep)
	case winReadDirectoryChanges:
		if !iocp.Aligned(r.buf, 4) {
			return argError("ReadDirectoryChangesW needs a DWORD-aligned buffer")
		}
	case winLockFileEx, winUnlockFileEx:
		if r.off < 0 || r.length < 0 {
			return argError("negative offset or length")
		}
	case winCfHydratePlaceholder:
		if r.off < 0 || r.length < -1 {
			return argError("negative offset, or length below -1")
		}
	}
	return nil
}

func (s *reqSys) pin(p *runtime.Pinner) {
	if len(s.in) > 0 {
		p.Pin(&s.in[0])
	}
	for _, k := range s.keep {
		pinAny(p, k)
	}
}

// Overlapped returns a request for any overlapped Win32 call that reports its outcome as a BOOL
// and GetLastError: this is the Windows form of awaiting any native call, and ovio's counterpart of
// the C# OverlappedAsync.
//
// h must be opened with FILE_FLAG_OVERLAPPED; the engine associates it with its completion port
// (see Engine.Bind). start runs once, in the goroutine that starts the op, and must start the call
// on h with ov, which ovio owns: it lives on the heap and stays pinned until the completion is
// reaped. start returns the call's error: nil if the call succeeded at once, ERROR_IO_PENDING if it
// is in flight, any other error if it failed (and so never started), exactly as
// windows.ReadFile(h, p, &done, ov) or windows.DeviceIoControl(..., ov) return it. ov is zeroed
// before start; start may set its Offset and OffsetHigh. It must not block, nor keep ov after the
// op completed.
//
// The engine must know whether a packet will follow the call; it cannot ask. So start must report
// ERROR_IO_PENDING exactly when the native call returned STATUS_PENDING. Win32 functions that
// report a queued call as a success, ReadDirectoryChangesW among them, cannot tell a call that
// completed at once from one that completed in the instant before they returned: call such
// functions through their native form with OverlappedNTSTATUS (ovio's ReadDirectoryChanges does),
// or on a handle where the skip mode cannot be set. A success whose ov still says STATUS_PENDING
// is taken for a call in flight.
//
// The op's result is the number of bytes the call transferred (the completion's
// dwNumberOfBytesTransferred, or the OVERLAPPED's InternalHigh for a call that succeeded at once),
// and its error a windows.Errno wrapped in an *OpError named "Overlapped".
//
// Memory the call uses beyond ov (buffers, structs it writes later) must be passed in keep, as
// slices or pointers, and must not be on the stack: the engine keeps it reachable and pinned until
// the completion.
func Overlapped(h Handle, start func(ov *windows.Overlapped) error, keep ...any) Request {
	r := nativeRequest(h, "Overlapped", keep)
	if start != nil {
		r.sys.start = start
	}
	return r
}

// OverlappedHRESULT is Overlapped for a call that returns an HRESULT, such as the Cloud Filter
// API's: HRESULT_FROM_WIN32(ERROR_IO_PENDING), 0x800703E5, means the call is in flight, a success
// HRESULT (S_OK) that it completed at once, and a failure that it did not start. A failure of
// FACILITY_WIN32 becomes its windows.Errno, any other an HRESULT. The op is named
// "OverlappedHRESULT" in errors.
func OverlappedHRESULT(h Handle, start func(ov *windows.Overlapped) HRESULT, keep ...any) Request {
	r := nativeRequest(h, "OverlappedHRESULT", keep)
	if start != nil {
		r.sys.start = start
	}
	return r
}

// OverlappedNTSTATUS is Overlapped for a native call that returns an NTSTATUS, such as
// NtDeviceIoControlFile called with ov as both its ApcContext (which the completion packet
// carries) and its IoStatusBlock (which the OVERLAPPED's Internal members are): STATUS_PENDING
// means the call is in flight, an error status that it failed and did not start, any other status
// that it completed at once. Errors become the windows.Errno RtlNtStatusToDosError gives. The op is
// named "OverlappedNTSTATUS" in errors.
func OverlappedNTSTATUS(h Handle, start func(ov *windows.Overlapped) windows.NTStatus, keep ...any) Request {
	r := nativeRequest(h, "OverlappedNTSTATUS", keep)
	if start != nil {
		r.sys.start = start
	}
	return r
}

// nativeRequest is the request of Overlapped and its variants, without its start function: a nil
// function must stay a nil interface, for check to refuse it.
func nativeRequest(h Handle, name string, keep []any) Request {
	return Request{code: opNative, h: h, sys: reqSys{name: name, op: winOverlapped, keep: keep}}
}

// DeviceIoControl returns a request to send the control code code to the device or file system of
// h, with in as its input and out for its output, like DeviceIoControl. The op's result is the
// number of bytes written to out. An output buffer too small for the whole answer gives
// ERROR_MORE_DATA with the count of what was written, for codes that say so.
func DeviceIoControl(h Handle, code uint32, in, out []byte) Request {
	return Request{code: opNative, h: h, buf: out, flags: code,
		sys: reqSys{name: "DeviceIoControl", op: winDeviceIoControl, in: in}}
}

// ReadDirectoryChanges returns a request that waits for changes in the directory h (opened with
// FILE_LIST_DIRECTORY, FILE_FLAG_BACKUP_SEMANTICS and FILE_FLAG_OVERLAPPED) and fills buf with
// FILE_NOTIFY_INFORMATION records, like ReadDirectoryChangesW. filter is a mask of
// FILE_NOTIFY_CHANGE_* values; subtree watches the whole tree below h.
//
// The op's result is the number of bytes of records in buf: parse buf[:n] with
// ParseFileNotifyInformation. The system keeps recording changes between ops on the same handle;
// when more happened than buf can hold, the op fails with ERROR_NOTIFY_ENUM_DIR and the caller
// must rescan the directory. buf must be DWORD-aligned (a buffer from make is) and, on a network
// drive, at most 64 KiB.
//
// The op calls NtNotifyChangeDirectoryFile, what ReadDirectoryChangesW calls, and is named after
// the latter in errors: ReadDirectoryChangesW itself returns TRUE for a call it only queued, which
// leaves the engine unable to tell whether a packet will follow.
func ReadDirectoryChanges(h Handle, buf []byte, subtree bool, filter uint32) Request {
	var tree uint32
	if subtree {
		tree = 1
	}
	return Request{code: opNative, h: h, buf: buf, flags: filter, mode: tree,
		sys: reqSys{name: "ReadDirectoryChangesW", op: winReadDirectoryChanges}}
}

// ConnectNamedPipe returns a request that waits for a client to connect to the server end h of a
// named pipe, like ConnectNamedPipe. A client that connected before the op started is a success
// (ERROR_PIPE_CONNECTED is not reported); one that connected and already left gives ERROR_NO_DATA.
func ConnectNamedPipe(h Handle) Request {
	return Request{code: opNative, h: h, sys: reqSys{name: "ConnectNamedPipe", op: winConnectNamedPipe}}
}

// LockFileEx returns a request to lock the byte range [off, off+length) of the file h, like
// LockFileEx. flags holds LOCKFILE_EXCLUSIVE_LOCK for an exclusive lock and
// LOCKFILE_FAIL_IMMEDIATELY to fail with ERROR_LOCK_VIOLATION rather than wait for a lock that
// another handle holds. Waiting can be cancelled like any op.
func LockFileEx(h Handle, flags uint32, off, length int64) Request {
	return Request{code: opNative, h: h, flags: flags, off: off, length: length,
		sys: reqSys{name: "LockFileEx", op: winLockFileEx}}
}

// UnlockFileEx returns a request to unlock the byte range [off, off+length) of the file h that a
// LockFileEx on the same handle locked, like UnlockFileEx.
func UnlockFileEx(h Handle, off, length int64) Request {
	return Request{code: opNative, h: h, off: off, length: length,
		sys: reqSys{name: "UnlockFileEx", op: winUnlockFileEx}}
}

// CfHydratePlaceholder returns a request to hydrate the range [off, off+length) of the Cloud
// Files placeholder h (length -1: to the end of the file), like cldapi.dll's CfHydratePlaceholder
// with flags as its CF_HYDRATE_FLAGS. This is the example of the C# OverlappedAsync ovio grew from.
//
// cldapi.dll is loaded on first use. Where it or the function is missing (before Windows 10 1709,
// and under Wine 8) the op fails with an error matching ErrNotSupported, before touching h.
//
// How it was verified: Wine 8, where the tests run, has no cldapi.dll. The missing-DLL path was
// tested for real; the rest (the HRESULTs: 0x800703E5 pending and completed by the packet, S_OK
// completed at once, failures as windows.Errno or HRESULT, cancellation) with a stand-in native
// function of the same signature, a syscall.NewCallback that starts real overlapped I/O on h with
// the OVERLAPPED it is given and returns the HRESULT CfHydratePlaceholder would.
func CfHydratePlaceholder(h Handle, off, length int64, flags uint32) Request {
	return Request{code: opNative, h: h, off: off, length: length, flags: flags,
		sys: reqSys{name: "CfHydratePlaceholder", op: winCfHydratePlaceholder}}
}
