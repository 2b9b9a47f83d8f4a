package main

import (
	"context"
	"io/fs"
	"os"

	"github.com/ovio/ovio"
	"golang.org/x/sys/windows"
)

// fileAPI names what openFile gives, for bench's report.
func fileAPI(fileOpts) string { return "requests" }

// openFile opens name with FILE_FLAG_OVERLAPPED, which the IOCP engine needs (os.OpenFile's
// handles are synchronous), and returns it as an ioFile on e: raw requests on the handle, since
// ovio.File is not wired to the IOCP engine yet. flag and perm are os.OpenFile's; perm's only
// effect on Windows is the read-only attribute of a new file.
func openFile(e *ovio.Engine, name string, flag int, perm fs.FileMode, _ fileOpts) (ioFile, error) {
	p, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	var access uint32
	switch flag & (os.O_RDONLY | os.O_WRONLY | os.O_RDWR) {
	case os.O_RDONLY:
		access = windows.GENERIC_READ
	case os.O_WRONLY:
		access = windows.GENERIC_WRITE
	default:
		access = windows.GENERIC_READ | windows.GENERIC_WRITE
	}
	var disp uint32
	switch {
	case flag&(os.O_CREATE|os.O_EXCL) == os.O_CREATE|os.O_EXCL:
		disp = windows.CREATE_NEW
	case flag&(os.O_CREATE|os.O_TRUNC) == os.O_CREATE|os.O_TRUNC:
		disp = windows.CREATE_ALWAYS
	case flag&os.O_CREATE != 0:
		disp = windows.OPEN_ALWAYS
	case flag&os.O_TRUNC != 0:
		disp = windows.TRUNCATE_EXISTING
	default:
		disp = windows.OPEN_EXISTING
	}
	attrs := uint32(windows.FILE_ATTRIBUTE_NORMAL)
	if flag&os.O_CREATE != 0 && perm&0o200 == 0 {
		attrs = windows.FILE_ATTRIBUTE_READONLY
	}
	share := uint32(windows.FILE_SHARE_READ | windows.FILE_SHARE_WRITE | windows.FILE_SHARE_DELETE)
	h, err := windows.CreateFile(p, access, share, nil, disp, attrs|windows.FILE_FLAG_OVERLAPPED, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &rawFile{e: e, h: h, name: name, c: handleCloser(h)}, nil
}

type handleCloser windows.Handle

func (h handleCloser) Close() error { return windows.CloseHandle(windows.Handle(h)) }

// Sync flushes the file's buffers with FlushFileBuffers, a blocking call: the IOCP engine has no
// op for it.
func (f *rawFile) Sync(ctx context.Context) error {
	if err := windows.FlushFileBuffers(f.h); err != nil {
		return &fs.PathError{Op: "FlushFileBuffers", Path: f.name, Err: err}
	}
	return nil
}

// openToStat opens name for reading, to learn what it is. Opening waits for nothing on Windows:
// a named pipe with no instance free fails at once.
func openToStat(name string) (*os.File, error) { return os.Open(name) }
