//go:build linux

package uring

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// MaxRW is the largest transfer one read or write entry asks for, as in Go's internal/poll: the
// kernel caps a transfer near 2 GiB anyway, and a short count is reported, not an error.
const MaxRW = 1 << 30

// The Prep methods fill an entry the way liburing's io_uring_prep_* functions do. They expect a
// zeroed entry and leave UserData alone: the engine owns it.
//
// They store the addresses of Go memory in the entry. That is sound only because the engine keeps
// every such buffer reachable and pinned (runtime.Pinner) from the moment the entry is filled until
// the kernel's completion for it has been reaped; a caller of these methods outside the engine
// inherits that duty.

func addr[T any](p *T) uint64 { return uint64(uintptr(unsafe.Pointer(p))) }

func bufAddr(b []byte) (uint64, uint32) {
	return uint64(uintptr(unsafe.Pointer(unsafe.SliceData(b)))), uint32(min(len(b), MaxRW))
}

func (e *SQE) prepRW(op uint8, fd int32, addr uint64, n uint32, off uint64) {
	e.Opcode = op
	e.Fd = fd
	e.Addr = addr
	e.Len = n
	e.Off = off
}

// PrepNop prepares IORING_OP_NOP.
func (e *SQE) PrepNop() { e.Opcode = OpNop }

// PrepRead prepares IORING_OP_READ of up to min(len(buf), MaxRW) bytes at offset off.
func (e *SQE) PrepRead(fd int32, buf []byte, off uint64) {
	a, n := bufAddr(buf)
	e.prepRW(OpRead, fd, a, n, off)
}

// PrepWrite prepares IORING_OP_WRITE of up to min(len(buf), MaxRW) bytes at offset off.
func (e *SQE) PrepWrite(fd int32, buf []byte, off uint64) {
	a, n := bufAddr(buf)
	e.prepRW(OpWrite, fd, a, n, off)
}

// PrepReadv prepares IORING_OP_READV into the buffers iov describes.
func (e *SQE) PrepReadv(fd int32, iov []unix.Iovec, off uint64) {
	e.prepRW(OpReadv, fd, addr(unsafe.SliceData(iov)), uint32(len(iov)), off)
}

// PrepWritev prepares IORING_OP_WRITEV from the buffers iov describes.
func (e *SQE) PrepWritev(fd int32, iov []unix.Iovec, off uint64) {
	e.prepRW(OpWritev, fd, addr(unsafe.SliceData(iov)), uint32(len(iov)), off)
}

// PrepFsync prepares IORING_OP_FSYNC; flags may hold FsyncDatasync.
func (e *SQE) PrepFsync(fd int32, flags uint32) {
	e.prepRW(OpFsync, fd, 0, 0, 0)
	e.OpFlags = flags
}

// PrepOpenat prepares IORING_OP_OPENAT of the NUL-terminated path relative to dirfd.
func (e *SQE) PrepOpenat(dirfd int32, path *byte, flags, mode uint32) {
	e.prepRW(OpOpenat, dirfd, addr(path), mode, 0)
	e.OpFlags = flags
}

// PrepClose prepares IORING_OP_CLOSE.
func (e *SQE) PrepClose(fd int32) { e.prepRW(OpClose, fd, 0, 0, 0) }

// PrepStatx prepares IORING_OP_STATX of the NUL-terminated path relative to dirfd into st.
func (e *SQE) PrepStatx(dirfd int32, path *byte, flags, mask uint32, st *unix.Statx_t) {
	e.prepRW(OpStatx, dirfd, addr(path), mask, addr(st))
	e.OpFlags = flags
}

// PrepFallocate prepares IORING_OP_FALLOCATE: the kernel reads the length from addr and the mode
// from len.
func (e *SQE) PrepFallocate(fd int32, mode uint32, off, length uint64) {
	e.prepRW(OpFallocate, fd, length, mode, off)
}

// PrepFtruncate prepares IORING_OP_FTRUNCATE (Linux 6.9).
func (e *SQE) PrepFtruncate(fd int32, length uint64) { e.prepRW(OpFtruncate, fd, 0, 0, length) }

// PrepTimeout prepares IORING_OP_TIMEOUT: complete after ts, or after count other completions
// when count is not 0.
func (e *SQE) PrepTimeout(ts *unix.Timespec, count uint64, flags uint32) {
	e.prepRW(OpTimeout, -1, addr(ts), 1, count)
	e.OpFlags = flags
}

// PrepLinkTimeout prepares IORING_OP_LINK_TIMEOUT for the entry linked before it.
func (e *SQE) PrepLinkTimeout(ts *unix.Timespec, flags uint32) {
	e.prepRW(OpLinkTimeout, -1, addr(ts), 1, 0)
	e.OpFlags = flags
}

// PrepCancel prepares IORING_OP_ASYNC_CANCEL of the request whose user_data is target.
func (e *SQE) PrepCancel(target uint64, flags uint32) {
	e.prepRW(OpAsyncCancel, -1, target, 0, 0)
	e.OpFlags = flags
}
