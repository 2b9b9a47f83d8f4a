//go:build unix

package ovio

import (
	"strings"
	"syscall"
	"time"
)

// Readv returns a request to read into the buffers of bufs in order, from h at offset off, like
// preadv(2).
func Readv(h Handle, bufs [][]byte, off int64) Request {
	return Request{code: opReadv, h: h, bufs: bufs, off: off}
}

// Writev returns a request to write the buffers of bufs in order, to h at offset off, like
// pwritev(2).
func Writev(h Handle, bufs [][]byte, off int64) Request {
	return Request{code: opWritev, h: h, bufs: bufs, off: off}
}

// Fsync returns a request to flush h's data and metadata to stable storage, like fsync(2). On
// macOS, where fsync(2) leaves the data in the drive's cache, it uses F_FULLFSYNC, as
// os.File.Sync does.
func Fsync(h Handle) Request { return Request{code: opFsync, h: h} }

// Fdatasync returns a request to flush h's data, and only the metadata needed to read it back,
// like fdatasync(2). Where the system has none (macOS, the BSDs other than FreeBSD), it is
// Fsync.
func Fdatasync(h Handle) Request { return Request{code: opFdatasync, h: h} }

// Openat returns a request to open path relative to the directory dir (or the working directory
// for unix.AT_FDCWD), like openat(2). The op's result is the new file descriptor. O_CLOEXEC is
// always added, as the os package does.
func Openat(dir Handle, path string, flags int, perm uint32) Request {
	return Request{code: opOpenat, h: dir, path: path, flags: uint32(flags | syscall.O_CLOEXEC), mode: perm}
}

// Close returns a request to close the file descriptor h, like close(2).
func Close(h Handle) Request { return Request{code: opClose, h: h} }

// Timeout returns a request that completes, successfully, after d.
func Timeout(d time.Duration) Request { return Request{code: opTimeout, length: int64(d)} }

// checkPath refuses a path the kernel could not be given, as syscall.BytePtrFromString does.
func checkPath(path string) error {
	if strings.IndexByte(path, 0) >= 0 {
		return syscall.EINVAL
	}
	return nil
}
