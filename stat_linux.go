package ovio

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// fileStat is the fs.FileInfo of Stat, Lstat and DirEntry.Info, as os builds it: Sys returns a
// *syscall.Stat_t (filled by fstat, or from statx), so that code which type-asserts Sys keeps
// working.
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

// Stat without a thread. io_uring runs every statx op in an io-wq worker thread (the kernel
// forces it async), which costs ~15 µs and a thread per concurrent call where stat(2) of a cached
// path costs ~1.5 µs and none. So:
//
//   - a descriptor's status (File.Stat, ReadFile's size hint) is fstat(2): no path to look up,
//     nothing that waits for a disk on a local file system (as with os, a network file system
//     may make it wait for the server);
//   - a path's status (DirFS's Stat and Lstat, DirEntry.Info) is first looked up with openat2's
//     RESOLVE_CACHED (O_PATH), which fails with EAGAIN instead of waiting for a disk, and
//     fstat(2) of that: a non-blocking fast path for paths in the dentry cache. Anything else,
//     errors included, is a statx op, which waits in the kernel's thread, not in one of ours,
//     and whose outcome is exactly stat's.

// statMask is what os's stat reports.
const statMask = unix.STATX_BASIC_STATS

// statAt returns a fileStat named name for path relative to dir, with flags as fstatat(2)'s
// (AT_EMPTY_PATH with an empty path for dir itself, AT_SYMLINK_NOFOLLOW for lstat). The error is
// the native one, or an *OpError.
func statAt(e *Engine, ctx context.Context, dir Handle, path string, flags int, name string) (*fileStat, error) {
	st := new(fileStat)
	var err error
	switch {
	case path == "" && flags&unix.AT_EMPTY_PATH != 0:
		err = fstat(dir, &st.sys)
	case statCached(dir, path, flags&unix.AT_SYMLINK_NOFOLLOW != 0, &st.sys):
	default:
		err = statxOp(e, ctx, dir, path, flags, &st.sys)
	}
	if err != nil {
		return nil, err
	}
	st.fill(name)
	return st, nil
}

func fstat(fd Handle, st *syscall.Stat_t) error {
	for {
		err := syscall.Fstat(fd, st)
		if err != syscall.EINTR {
			return err
		}
	}
}

// resolveCached is openat2's RESOLVE_CACHED (linux/openat2.h), which x/sys lacks: complete the
// lookup only if it needs no I/O, else fail with EAGAIN.
const resolveCached = 0x20

// noCachedLookup is set once openat2 or RESOLVE_CACHED turned out to be missing (Linux < 5.12)
// or forbidden.
var noCachedLookup atomic.Bool

// statCached stats path if its lookup needs no I/O, and reports whether it did. It reports false
// for any failure: the statx op then says what stat(2) would.
func statCached(dir Handle, path string, nofollow bool, st *syscall.Stat_t) bool {
	if noCachedLookup.Load() || strings.IndexByte(path, 0) >= 0 {
		return false
	}
	how := unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC, Resolve: resolveCached}
	if nofollow {
		how.Flags |= unix.O_NOFOLLOW
	}
	fd, err := unix.Openat2(dir, path, &how)
	switch err {
	case nil:
	case unix.ENOSYS, unix.EPERM, unix.EINVAL: // no openat2, forbidden, no RESOLVE_CACHED
		noCachedLookup.Store(true)
		return false
	default:
		return false
	}
	err = fstat(fd, st)
	unix.Close(fd)
	return err == nil
}

// statxOp is fstatat(2) as a statx op, or the system call itself on an engine without the op.
func statxOp(e *Engine, ctx context.Context, dir Handle, path string, flags int, st *syscall.Stat_t) error {
	sx := new(unix.Statx_t)
	_, err := e.Do(ctx, Statx(dir, path, flags, statMask, sx))
	switch {
	case err == nil:
		statxToStat(sx, st)
		return nil
	case errors.Is(err, ErrNotSupported):
		var ust unix.Stat_t
		for {
			err = unix.Fstatat(dir, path, &ust, flags)
			if err != unix.EINTR {
				break
			}
		}
		if err != nil {
			return err
		}
		unixToStat(&ust, st)
		return nil
	}
	return nativeErr(err)
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

// stat is Stat's work: fstat(2) of the descriptor.
func (f *File) stat() (fs.FileInfo, error) {
	st, err := statAt(f.e, f.ctx, f.h, "", unix.AT_EMPTY_PATH, f.name)
	if err != nil {
		return nil, err
	}
	return st, nil
}

// statPath is os.Stat (or os.Lstat, if lstat) of name. The error is an *fs.PathError named
// "stat" or "lstat", as os's.
func statPath(e *Engine, name string, lstat bool) (fs.FileInfo, error) {
	op, flags := "stat", 0
	if lstat {
		op, flags = "lstat", unix.AT_SYMLINK_NOFOLLOW
	}
	st, err := statAt(e, context.Background(), unix.AT_FDCWD, name, flags, name)
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
