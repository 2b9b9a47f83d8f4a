// Package iocp is the raw I/O completion port interface of ovio's Windows engine: the Win32 calls
// golang.org/x/sys/windows lacks (GetQueuedCompletionStatusEx, cldapi.dll's CfHydratePlaceholder),
// a mirror of OVERLAPPED_ENTRY, HRESULT and NTSTATUS arithmetic, and the few address computations
// the engine needs.
//
// It holds no policy. Which handles are bound to which port, when an op completes inline and when it
// waits for its packet, and how a packet is matched to an op are decided by the engine in the root
// package (engine_iocp_windows.go). Every use of unsafe in the Windows engine is here, next to the
// reason it is sound.
//
// The calls are declared by //sys lines in syscall_windows.go and generated into
// zsyscall_windows.go by golang.org/x/sys/windows/mkwinsyscall, the way x/sys declares its own.
// The arithmetic and the struct mirrors are in files without build constraints, so that they are
// tested on every platform (their layout against MinGW's headers where a MinGW compiler is
// installed).
package iocp

// The generate directive is here, in a file without build constraints, so that it runs on any
// host: mkwinsyscall reads syscall_windows.go by name.
//go:generate go run golang.org/x/sys/windows/mkwinsyscall -output zsyscall_windows.go syscall_windows.go
