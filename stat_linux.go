package ovio

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// fileStat is the fs.FileInfo of Stat, Lstat and DirEntry.Info, as os builds it: Sys returns a
// *syscall.Stat_t, filled from statx, so that code which type-asserts Sys keeps working.
type fileStat struct {
	name    string
	size    int64
	mode    fs.FileMode
	modTime time.Time
	sys     syscall.Stat_t
}

func (s *fileStat) Name() string       { return s.name }
func (s *fileStat) Size() int64        { return s.size }
func (s *fileStat) Mode() fs.FileMode  { return s.mode }
func (s *fileStat) ModTime() time.Time { return s.modTime }
func (s *fileStat) IsDir() bool        { return s.mode.IsDir() }
func (s *fileStat) Sys() any           { return &s.sys }

// statMask is what os's stat reports.
const statMask = unix.STATX_BASIC_STATS

// statx runs a statx op for dir and path into a new fileStat named name, or calls fstatat(2) on
// an engine without the op. The error is the native one, or an *OpError.
func statx(e *Engine, ctx context.Context, dir Handle, path string, flags int, name string) (*fileStat, error) {
	st := new(fileStat)
	sx := new(unix.Statx_t)
	_, err := e.Do(ctx, Statx(dir, path, flags, statMask, sx))
	switch {
	case err == nil:
		statxToStat(sx, &st.sys)
	case errors.Is(err, ErrNotSupported):
		var ust unix.Stat_t
		for {
			err = unix.Fstatat(dir, path, &ust, flags)
			if err != unix.EINTR {
				break
			}
		}
		if err != nil {
			return nil, err
		}
		unixToStat(&ust, &st.sys)
	default:
		return nil, nativeErr(err)
	}
	st.fill(name)
	return st, nil
}

// fill derives the FileInfo from sys, as os's fillFileStatFromSys does.
func (s *fileStat) fill(name string) {
	s.name = filepath.Base(name)
	s.size = s.sys.Size
	s.modTime = time.Unix(s.sys.Mtim.Unix())
	s.mode = fs.FileMode(s.sys.Mode & 0o777)
	switch s.sys.Mode & syscall.S_IFMT {
	case syscall.S_IFBLK:
		s.mode |= fs.ModeDevice
	case syscall.S_IFCHR:
		s.mode |= fs.ModeDevice | fs.ModeCharDevice
	case syscall.S_IFDIR:
		s.mode |= fs.ModeDir
	case syscall.S_IFIFO:
		s.mode |= fs.ModeNamedPipe
	case syscall.S_IFLNK:
		s.mode |= fs.ModeSymlink
	case syscall.S_IFSOCK:
		s.mode |= fs.ModeSocket
	}
	if s.sys.Mode&syscall.S_ISGID != 0 {
		s.mode |= fs.ModeSetgid
	}
	if s.sys.Mode&syscall.S_ISUID != 0 {
		s.mode |= fs.ModeSetuid
	}
	if s.sys.Mode&syscall.S_ISVTX != 0 {
		s.mode |= fs.ModeSticky
	}
}

type integer interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~int | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uint | ~uintptr
}

// set stores v in a field whose width differs between architectures.
func set[T, V integer](dst *T, v V) { *dst = T(v) }

func setTime(dst *syscall.Timespec, t unix.StatxTimestamp) {
	set(&dst.Sec, t.Sec)
	set(&dst.Nsec, t.Nsec)
}

// statxToStat fills st as fstat(2) would have: the device numbers encoded as glibc's makedev
// does, which for the kernel's 12-bit majors is the kernel's own encoding.
func statxToStat(sx *unix.Statx_t, st *syscall.Stat_t) {
	set(&st.Dev, unix.Mkdev(sx.Dev_major, sx.Dev_minor))
	set(&st.Ino, sx.Ino)
	set(&st.Nlink, sx.Nlink)
	set(&st.Mode, sx.Mode)
	set(&st.Uid, sx.Uid)
	set(&st.Gid, sx.Gid)
	set(&st.Rdev, unix.Mkdev(sx.Rdev_major, sx.Rdev_minor))
	set(&st.Size, sx.Size)
	set(&st.Blksize, sx.Blksize)
	set(&st.Blocks, sx.Blocks)
	setTime(&st.Atim, sx.Atime)
	setTime(&st.Mtim, sx.Mtime)
	setTime(&st.Ctim, sx.Ctime)
}

// unixToStat copies x/sys's struct stat into syscall's.
func unixToStat(u *unix.Stat_t, st *syscall.Stat_t) {
	set(&st.Dev, u.Dev)
	set(&st.Ino, u.Ino)
	set(&st.Nlink, u.Nlink)
	set(&st.Mode, u.Mode)
	set(&st.Uid, u.Uid)
	set(&st.Gid, u.Gid)
	set(&st.Rdev, u.Rdev)
	set(&st.Size, u.Size)
	set(&st.Blksize, u.Blksize)
	set(&st.Blocks, u.Blocks)
	st.Atim = syscall.Timespec(u.Atim)
	st.Mtim = syscall.Timespec(u.Mtim)
	st.Ctim = syscall.Timespec(u.Ctim)
}

// stat is Stat's work: statx of the descriptor itself.
func (f *File) stat() (fs.FileInfo, error) {
	st, err := statx(f.e, f.ctx, f.h, "", unix.AT_EMPTY_PATH, f.name)
	if err != nil {
		return nil, err
	}
	return st, nil
}

// statPath is os.Stat (or os.Lstat, if lstat) of name, through a statx op. The error is an
// *fs.PathError named "stat" or "lstat", as os's.
func statPath(e *Engine, name string, lstat bool) (fs.FileInfo, error) {
	op, flags := "stat", 0
	if lstat {
		op, flags = "lstat", unix.AT_SYMLINK_NOFOLLOW
	}
	st, err := statx(e, context.Background(), unix.AT_FDCWD, name, flags, name)
	if err != nil {
		return nil, &fs.PathError{Op: op, Path: name, Err: err}
	}
	return st, nil
}

// truncate is Truncate's work: an ftruncate op where the kernel has it (Linux 6.9), else
// ftruncate(2).
func (f *File) truncate(size int64) error {
	fd := int32(f.h)
	_, err := f.e.Do(f.ctx, Prep(func(sqe *SQE) { sqe.PrepFtruncate(fd, uint64(size)) }))
	if errors.Is(err, ErrNotSupported) {
		for {
			err = syscall.Ftruncate(f.h, size)
			if err != syscall.EINTR {
				return err
			}
		}
	}
	return err
}
