//go:build windows

// Package cfstandin is a native stand-in for cldapi.dll's CfHydratePlaceholder, for tests: Wine 8
// has no cldapi.dll, so the engine's handling of the HRESULTs the real function returns is verified
// by calling this one instead, through the same native call.
package cfstandin

import (
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"

	"github.com/ovio/ovio/internal/iocp"
	"golang.org/x/sys/windows"
)

// Func is what the stand-in does when it is called: it receives CfHydratePlaceholder's arguments,
// must start its I/O (if any) on h with ov, and returns the HRESULT.
type Func func(h windows.Handle, off, length int64, flags uint32, ov *windows.Overlapped) int32

var (
	current  atomic.Pointer[Func]
	callback = sync.OnceValue(newCallback) // Go can make only so many callbacks: one is enough
)

func newCallback() uintptr {
	invoke := func(h uintptr, off, length int64, flags, ov uintptr) uintptr {
		f := current.Load()
		if f == nil {
			return uintptr(uint32(iocp.HRESULTFromWin32(uint32(windows.ERROR_INVALID_FUNCTION))))
		}
		// Sound: ov is the address of the OVERLAPPED the engine passed to the call, which lives in
		// its op table and is pinned until the op's completion.
		p := *(**windows.Overlapped)(unsafe.Pointer(&ov))
		return uintptr(uint32((*f)(windows.Handle(h), off, length, uint32(flags), p)))
	}
	if unsafe.Sizeof(uintptr(0)) == 8 {
		return syscall.NewCallback(func(h, off, length, flags, ov uintptr) uintptr {
			return invoke(h, int64(off), int64(length), flags, ov)
		})
	}
	// 386: each LARGE_INTEGER is two stack words, low then high.
	return syscall.NewCallback(func(h, offLo, offHi, lenLo, lenHi, flags, ov uintptr) uintptr {
		return invoke(h, int64(uint64(offHi)<<32|uint64(offLo)), int64(uint64(lenHi)<<32|uint64(lenLo)), flags, ov)
	})
}

// Install makes iocp.CfHydratePlaceholder call f, through a native callback, until restore is
// called.
func Install(f Func) (restore func()) {
	old := current.Swap(&f)
	undo := iocp.SetCfHydratePlaceholderStandIn(callback())
	return func() {
		undo()
		current.Store(old)
	}
}
