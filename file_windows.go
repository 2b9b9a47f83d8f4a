package ovio

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/ovio/ovio/internal/iocp"
	"golang.org/x/sys/windows"
)

// File on Windows, over the IOCP engine.
//
// Opening is syscall.Open, what os.OpenFile calls, with FILE_FLAG_OVERLAPPED added to the file
// flags it takes in the high bits of flag: os's access rights (O_APPEND as FILE_APPEND_DATA without
// FILE_WRITE_DATA), share mode (FILE_SHARE_READ|FILE_SHARE_WRITE), dispositions (O_CREATE|O_EXCL as
// CREATE_NEW, O_TRUNC as a truncation after the open), FILE_FLAG_BACKUP_SEMANTICS for opens for
// reading (so that directories open), the read-only attribute for a perm without write permission,
// and os's errors (EISDIR, ENOTDIR for O_DIRECTORY), all exactly os's. CreateFile has no
// overlapped form: the open itself blocks the calling goroutine's thread, as it does with os. The
// handle is then bound to the engine's completion port, once, so that a handle that cannot be
// bound fails the open rather than its first op; directories too, whose ReadDir is an op.
//
// Read, Write, ReadAt, WriteAt and ReadDir are the engine's ops; Seek is arithmetic on the File's
// own offset (GetFileSizeEx for io.SeekEnd), as os's Seek of an overlapped file is. Stat,
// Truncate and Sync are os's synchronous calls: Windows has no overlapped form of
// GetFileInformationByHandle, SetFileInformationByHandle or FlushFileBuffers.

// oDirectory is the O_DIRECTORY of os on Windows (syscall's o_DIRECTORY, internal/syscall/windows's
// O_DIRECTORY), with which os.ReadDir opens a directory: syscall.Open then fails with ENOTDIR for
// anything else.
const oDirectory = 0x04000

// errNoSeek is the error of a positional read or write, or of a seek, on a pipe: os's.
var errNoSeek error = syscall.ESPIPE

// ownOffsets is true: an overlapped handle has no position, so a File opened with O_APPEND keeps
// its own offset too.
const ownOffsets = true

// streamRead and streamWrite are the requests of Read and Write on a handle without offsets, a
// pipe, which ignores the offset of a call: they pass 0, which every driver takes, where offset -1
// (what Read and Write pass, for the handle's position) makes a read fail under Wine wherever the
// offset is looked at (ERROR_INVALID_PARAMETER from NUL).
func streamRead(h Handle, p []byte) Request  { return ReadAt(h, p, 0) }
func streamWrite(h Handle, p []byte) Request { return WriteAt(h, p, 0) }

// emptyReads is true: a Read of no bytes is a ReadFile of no bytes, as os's is on Windows, which
// fails where a read would (a handle without read access, a directory).
const emptyReads = true

// openHandle opens name as os.OpenFile does, for overlapped I/O, and binds the handle to e.
func openHandle(e *Engine, name string, flag int, perm fs.FileMode) (Handle, error) {
	if name == "" {
		return windows.InvalidHandle, syscall.ENOENT // as os: not ERROR_FILE_NOT_FOUND
	}
	sh, err := syscall.Open(fixLongPath(name), flag|syscall.O_CLOEXEC|windows.FILE_FLAG_OVERLAPPED, syscallMode(perm))
	if err != nil {
		return windows.InvalidHandle, err
	}
	h := Handle(sh)
	if err := e.Bind(h); err != nil {
		closeHandleNow(h)
		return windows.InvalidHandle, err
	}
	return h, nil
}

// closeHandle closes h: CloseHandle, which has no overlapped form.
func closeHandle(e *Engine, h Handle) error { return closeHandleNow(h) }

// closeHandleNow closes h, and forgets that an engine bound its value: the value no longer names
// that file, and the next file to get it must be bound anew.
func closeHandleNow(h Handle) error { return closeBound(h) }

// handleSeekable reports whether h has offsets: anything but a pipe, as for os, whose Seek,
// ReadAt and WriteAt fail with ESPIPE on a pipe only. A file or a directory on a disk has them; a
// character device (NUL, a serial port) ignores them, and so ReadAt and Seek of it succeed, as
// with os.
func handleSeekable(h Handle) bool {
	t, err := windows.GetFileType(h)
	return err == nil && t != windows.FILE_TYPE_PIPE
}

// seekHandle computes the offset Seek sets. A file with offsets (own) has no position in its
// overlapped handle; the File keeps it, so this is os's Seek of an overlapped file: arithmetic,
// with GetFileSizeEx for io.SeekEnd and ERROR_NEGATIVE_SEEK before the start. An unknown whence
// counts from the start, as os's Seek of the synchronous handles os.OpenFile gives does
// (syscall.Seek passes it to SetFilePointerEx as FILE_BEGIN). A pipe cannot seek: ESPIPE, as os.
func seekHandle(h Handle, offset int64, whence int, own bool) (int64, error) {
	if !own {
		return 0, errNoSeek
	}
	switch whence {
	case io.SeekCurrent: // not reached: Seek makes it absolute, from the File's offset
		return 0, windows.ERROR_INVALID_PARAMETER
	case io.SeekEnd:
		size, err := iocp.FileSize(h)
		if err != nil {
			return 0, err
		}
		offset += size
	}
	if offset < 0 {
		return 0, windows.ERROR_NEGATIVE_SEEK
	}
	return offset, nil
}

// appendEnd returns where an append left a File's offset: the file's end.
func appendEnd(h Handle) (int64, error) { return iocp.FileSize(h) }

// sync is Sync's work: FlushFileBuffers, as os, called here since it has no overlapped form. A
// context that has ended, or a File being closed, refuses it as the engine refuses an op.
func (f *File) sync(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return &OpError{Op: "FlushFileBuffers", Err: err}
	}
	return windows.FlushFileBuffers(f.h)
}

// truncate is Truncate's work: os's syscall.Ftruncate, SetFileInformationByHandle with
// FileEndOfFileInfo.
func (f *File) truncate(size int64) error {
	return syscall.Ftruncate(syscall.Handle(f.h), size)
}

// isEOF reports whether an op's error means end of file. The engine reports ERROR_HANDLE_EOF and
// ERROR_BROKEN_PIPE of a read as 0 bytes and no error; this catches them in any other form.
func isEOF(err error) bool {
	oe, ok := err.(*OpError)
	return ok && oe.Cause == nil && (oe.Err == windows.ERROR_HANDLE_EOF || oe.Err == windows.ERROR_BROKEN_PIPE)
}

// fixLongPath is os's fixLongPath: a path too long for the Win32 path limits gets the extended
// prefix (\\?\, \\?\UNC\ for a UNC path) over its full form. os skips it where the process may use
// long paths (a runtime-private fact); adding the prefix there too is harmless, as the full path
// names the same file.
func fixLongPath(path string) string {
	if len(path) >= 4 {
		if path[:4] == `\??\` {
			return path // already extended with \??\
		}
		if os.IsPathSeparator(path[0]) && os.IsPathSeparator(path[1]) && path[2] == '?' && os.IsPathSeparator(path[3]) {
			return path // already extended with \\?\ or any combination of separators
		}
	}
	// As os: paths shorter than 248 bytes, with the working directory for a relative one, work
	// without the prefix (MAX_PATH less an 8.3 name).
	const short = 248
	length := len(path)
	if length < short && !filepath.IsAbs(path) {
		wd, _ := syscall.Getwd()
		length += len(wd) + 1
	}
	if length < short {
		return path
	}
	var isUNC, isDevice bool
	if len(path) >= 2 && os.IsPathSeparator(path[0]) && os.IsPathSeparator(path[1]) {
		if len(path) >= 4 && path[2] == '.' && os.IsPathSeparator(path[3]) {
			isDevice = true // \\.\: the prefix would change its meaning
		} else {
			isUNC = true
		}
	}
	var prefix []uint16
	switch {
	case isUNC:
		prefix = []uint16{'\\', '\\', '?', '\\', 'U', 'N', 'C', '\\'}
	case !isDevice:
		prefix = []uint16{'\\', '\\', '?', '\\'}
	}
	p, err := syscall.UTF16FromString(path)
	if err != nil {
		return path
	}
	n := uint32(length) + 1
	var buf []uint16
	for {
		buf = make([]uint16, n+uint32(len(prefix)))
		n, err = syscall.GetFullPathName(&p[0], n, &buf[len(prefix)], nil)
		if err != nil {
			return path
		}
		if n <= uint32(len(buf)-len(prefix)) {
			buf = buf[:n+uint32(len(prefix))]
			break
		}
	}
	if isUNC {
		buf = buf[2:] // the full form starts with \\, which \\?\UNC\ replaces
	}
	copy(buf, prefix)
	return syscall.UTF16ToString(buf)
}
