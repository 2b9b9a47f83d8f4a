package ovio

import (
	"fmt"
	"io/fs"

	"golang.org/x/sys/windows"
)

// File on Windows awaits the IOCP engine. The portable parts are ready for it: a File holds its
// engine and its handle, keeps its own offset (an overlapped handle has no file position), and
// runs ReadAt, WriteAt, Read and Write as the engine's requests. What remains is here:
//
//   - openHandle: CreateFile with FILE_FLAG_OVERLAPPED (os's flag mapping, O_APPEND as
//     FILE_APPEND_DATA), the handle then bound to the engine's port.
//   - handleSeekable: GetFileType == FILE_TYPE_DISK.
//   - seekHandle: the new offset from the File's own and GetFileSizeEx, as os's Seek.
//   - stat, statPath, truncate, sync, ReadDir: os's FileInformationByHandle-based code, or ops.
//   - isEOF: ERROR_HANDLE_EOF and ERROR_BROKEN_PIPE.

const oDirectory = 0

// errFileTODO is the error of what is not wired to the IOCP engine yet.
var errFileTODO = fmt.Errorf("ovio: File on Windows awaits the IOCP engine: %w", ErrNotSupported)

var errNoSeek error = windows.ERROR_INVALID_PARAMETER

func openHandle(e *Engine, name string, flag int, perm fs.FileMode) (Handle, error) {
	return windows.InvalidHandle, errFileTODO
}

func closeHandle(e *Engine, h Handle) error { return windows.CloseHandle(h) }

func closeHandleNow(h Handle) error { return windows.CloseHandle(h) }

func handleSeekable(h Handle) bool {
	t, err := windows.GetFileType(h)
	return err == nil && t == windows.FILE_TYPE_DISK
}

func seekHandle(h Handle, offset int64, whence int) (int64, error) {
	return 0, errFileTODO
}

func syncRequest(h Handle) Request { return Request{} }

func isEOF(err error) bool {
	var oe *OpError
	if e, ok := err.(*OpError); ok {
		oe = e
	}
	return oe != nil && oe.Cause == nil &&
		(oe.Err == windows.ERROR_HANDLE_EOF || oe.Err == windows.ERROR_BROKEN_PIPE)
}

func (f *File) stat() (fs.FileInfo, error) { return nil, errFileTODO }

func (f *File) truncate(size int64) error { return errFileTODO }

func statPath(e *Engine, name string, lstat bool) (fs.FileInfo, error) {
	op := "stat"
	if lstat {
		op = "lstat"
	}
	return nil, &fs.PathError{Op: op, Path: name, Err: errFileTODO}
}

type dirState struct{}

func (d *dirState) reset() {}

func (d *dirState) close() {}

// ReadDir reads the directory's entries, as (*os.File).ReadDir does.
func (f *File) ReadDir(n int) ([]fs.DirEntry, error) {
	if f == nil {
		return nil, fs.ErrInvalid
	}
	return []fs.DirEntry{}, f.pathErr("readdir", errFileTODO)
}
