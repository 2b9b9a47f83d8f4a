package ovio

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/ovio/ovio/internal/iocp"
	"golang.org/x/sys/windows"
)

// fileStat is the fs.FileInfo of File.Stat and of ReadDir's entries on Windows, as os builds it
// (os/types_windows.go): the same fields from the same calls, the same Mode, and a Sys that
// returns a *syscall.Win32FileAttributeData. It does not support os.SameFile, which recognises
// os's own FileInfo only.
type fileStat struct {
	name string

	// From GetFileInformationByHandle, or the directory listing.
	attrs        uint32
	creationTime syscall.Filetime
	accessTime   syscall.Filetime
	writeTime    syscall.Filetime
	sizeHigh     uint32
	sizeLow      uint32
	reparseTag   uint32 // for a reparse point: FILE_ATTRIBUTE_TAG_INFO's, or the listing's EaSize
	filetype     uint32 // GetFileType's answer; 0 (FILE_TYPE_UNKNOWN) for a listed entry, as os
}

// Reparse tags os gives a meaning (winnt.h); syscall has IO_REPARSE_TAG_SYMLINK.
const (
	reparseTagAFUnix = 0x80000023 // IO_REPARSE_TAG_AF_UNIX
	reparseTagDedup  = 0x80000013 // IO_REPARSE_TAG_DEDUP
)

func (s *fileStat) Name() string       { return s.name }
func (s *fileStat) Size() int64        { return int64(s.sizeHigh)<<32 + int64(s.sizeLow) }
func (s *fileStat) ModTime() time.Time { return time.Unix(0, s.writeTime.Nanoseconds()) }
func (s *fileStat) IsDir() bool        { return s.Mode().IsDir() }

// Sys returns a new *syscall.Win32FileAttributeData, as os's FileInfo does.
func (s *fileStat) Sys() any {
	return &syscall.Win32FileAttributeData{
		FileAttributes: s.attrs,
		CreationTime:   s.creationTime,
		LastAccessTime: s.accessTime,
		LastWriteTime:  s.writeTime,
		FileSizeHigh:   s.sizeHigh,
		FileSizeLow:    s.sizeLow,
	}
}

// isReparseTagNameSurrogate reports whether s is a reparse point that stands for another named
// entity: a symbolic link or a mount point (IsReparseTagNameSurrogate).
func (s *fileStat) isReparseTagNameSurrogate() bool {
	return s.attrs&syscall.FILE_ATTRIBUTE_REPARSE_POINT != 0 && s.reparseTag&0x20000000 != 0
}

// Mode is os's, as Go 1.23 and later compute it (without GODEBUG=winsymlink=0, which os reads
// and ovio cannot): a name surrogate is neither a directory nor a device, a symbolic link has
// ModeSymlink, an AF_UNIX socket ModeSocket, and any other reparse point but a deduplicated file
// ModeIrregular.
func (s *fileStat) Mode() (m fs.FileMode) {
	if s.attrs&syscall.FILE_ATTRIBUTE_READONLY != 0 {
		m |= 0o444
	} else {
		m |= 0o666
	}
	if !s.isReparseTagNameSurrogate() {
		if s.attrs&syscall.FILE_ATTRIBUTE_DIRECTORY != 0 {
			m |= fs.ModeDir | 0o111
		}
		switch s.filetype {
		case syscall.FILE_TYPE_PIPE:
			m |= fs.ModeNamedPipe
		case syscall.FILE_TYPE_CHAR:
			m |= fs.ModeDevice | fs.ModeCharDevice
		}
	}
	if s.attrs&syscall.FILE_ATTRIBUTE_REPARSE_POINT != 0 {
		switch s.reparseTag {
		case syscall.IO_REPARSE_TAG_SYMLINK:
			m |= fs.ModeSymlink
		case reparseTagAFUnix:
			m |= fs.ModeSocket
		case reparseTagDedup:
			// A deduplicated file is as regular as any other (see os).
		default:
			m |= fs.ModeIrregular
		}
	}
	return m
}

// stat is Stat's work, os's statHandle: GetFileType, then for a file or directory
// GetFileInformationByHandle and, for a reparse point, its tag. The errors are named after the
// call, as os names them.
func (f *File) stat() (fs.FileInfo, error) {
	ft, err := windows.GetFileType(f.h)
	if err != nil {
		return nil, &fs.PathError{Op: "GetFileType", Path: f.name, Err: err}
	}
	if ft == windows.FILE_TYPE_PIPE || ft == windows.FILE_TYPE_CHAR {
		return &fileStat{name: filepath.Base(f.name), filetype: ft}, nil
	}
	var d syscall.ByHandleFileInformation
	if err := syscall.GetFileInformationByHandle(syscall.Handle(f.h), &d); err != nil {
		return nil, &fs.PathError{Op: "GetFileInformationByHandle", Path: f.name, Err: err}
	}
	var tag uint32
	if d.FileAttributes&syscall.FILE_ATTRIBUTE_REPARSE_POINT != 0 {
		ti, err := iocp.FileAttributeTag(f.h)
		if err != nil {
			return nil, &fs.PathError{Op: "GetFileInformationByHandleEx", Path: f.name, Err: err}
		}
		tag = ti.ReparseTag
	}
	return &fileStat{
		name:         filepath.Base(f.name),
		attrs:        d.FileAttributes,
		creationTime: d.CreationTime,
		accessTime:   d.LastAccessTime,
		writeTime:    d.LastWriteTime,
		sizeHigh:     d.FileSizeHigh,
		sizeLow:      d.FileSizeLow,
		reparseTag:   tag,
		filetype:     ft,
	}, nil
}

// statPath is os.Stat (or os.Lstat, if lstat) of name: on Windows a path's status comes from
// GetFileAttributesEx, or CreateFile and the handle's information for a reparse point, none of
// which has an overlapped form, so os's own calls are as good as any, and their FileInfo (which
// os.SameFile knows) and errors are os's by construction.
func statPath(e *Engine, name string, lstat bool) (fs.FileInfo, error) {
	if lstat {
		return os.Lstat(name)
	}
	return os.Stat(name)
}
