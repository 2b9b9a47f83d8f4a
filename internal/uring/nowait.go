//go:build linux

package uring

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// PreadNowait reads into p at off (-1: the file position) with preadv2(RWF_NOWAIT): it answers
// from the page cache, or with EAGAIN where it would have to wait for the device. It must not be
// used on a descriptor opened with O_DIRECT: there RWF_NOWAIT does not avoid the device, and the
// call blocks for the whole transfer.
func PreadNowait(fd int32, p []byte, off int64) (int, syscall.Errno) {
	return rwNowait(unix.SYS_PREADV2, fd, p, off)
}

// PwriteNowait writes p at off (-1: the file position) with pwritev2(RWF_NOWAIT): it copies into
// the page cache, or answers EAGAIN where it would have to wait (and EOPNOTSUPP where the file
// system cannot promise not to).
func PwriteNowait(fd int32, p []byte, off int64) (int, syscall.Errno) {
	return rwNowait(unix.SYS_PWRITEV2, fd, p, off)
}

func rwNowait(trap uintptr, fd int32, p []byte, off int64) (int, syscall.Errno) {
	// The iovec lives on this goroutine's stack, which cannot move while the goroutine is in
	// the system call, and the kernel reads it only during the call; p is the caller's and is
	// in use only during the call too.
	//
	// A raw system call: RWF_NOWAIT promises not to wait, so the runtime need not be told. Told,
	// it hands the goroutine's P to another thread whenever the call is slow for other reasons
	// (the CPU taken by another process), and measured at 256 goroutines on a loaded machine
	// that grew the process to 21-24 threads, where raw calls kept it at 6-7.
	iov := unix.Iovec{Base: unsafe.SliceData(p)}
	iov.SetLen(min(len(p), MaxRW))
	n, _, errno := unix.RawSyscall6(trap, uintptr(fd), uintptr(unsafe.Pointer(&iov)), 1,
		uintptr(off), uintptr(uint64(off)>>32), unix.RWF_NOWAIT)
	return int(n), errno
}
