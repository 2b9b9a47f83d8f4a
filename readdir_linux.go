package ovio

import (
	"bytes"
	"encoding/binary"
	"io"
	"io/fs"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// ReadDir reads getdents64 straight into a buffer: io_uring has no op for it, and a directory
// read is one short system call per 8 KiB of entries. An entry's Info is statPath's lstat.

// dirState is what ReadDir keeps between calls: entries read and not yet returned.
type dirState struct {
	mu   sync.Mutex
	buf  *[]byte // nil until the first ReadDir, and after the end
	nbuf int     // bytes of buf that getdents filled
	bufp int     // the next entry's offset in buf
}

const dirBufSize = 8192 // as os: more than 5760, see golang.org/issue/24015

var dirBufPool = sync.Pool{New: func() any { b := make([]byte, dirBufSize); return &b }}

// reset drops the entries read ahead, as Seek must.
func (d *dirState) reset() {
	d.mu.Lock()
	d.release()
	d.mu.Unlock()
}

func (d *dirState) close() { d.reset() }

// release returns the buffer; d.mu is held.
func (d *dirState) release() {
	if d.buf != nil {
		dirBufPool.Put(d.buf)
		d.buf = nil
	}
	d.nbuf, d.bufp = 0, 0
}

// The layout of struct linux_dirent64, the same on every architecture:
//
//	struct linux_dirent64 { u64 d_ino; s64 d_off; unsigned short d_reclen; unsigned char d_type; char d_name[]; };
//
// FuzzDirents' seed of a real getdents64 buffer checks these. The inode is not read: as os does
// on Linux, entries with inode 0 (old XFS, FUSE) are kept.
const (
	direntReclenOff = 16
	direntTypeOff   = 18
	direntNameOff   = 19
)

// readDir is ReadDir. Entries of an unknown type are stat'ed right away, the others when Info asks.
func (f *File) readDir(n int) (ents []fs.DirEntry, err error) {
	if !f.ref.acquire() {
		return nil, f.pathErr("readdirent", fs.ErrClosed)
	}
	defer f.ref.release()
	f.dirRead.Store(true)
	d := &f.dir
	d.mu.Lock()
	defer d.mu.Unlock()
	if n == 0 {
		n = -1 // below: negative reads to the end, positive counts down to 0
	}
	for n != 0 {
		if d.bufp >= d.nbuf {
			if d.buf == nil {
				d.buf = dirBufPool.Get().(*[]byte)
			}
			d.bufp = 0
			d.nbuf, err = getdents(f.h, *d.buf)
			if err != nil {
				d.nbuf = 0
				return ents, f.pathErr("readdirent", err)
			}
			if d.nbuf <= 0 {
				d.release()
				break // the end
			}
		}
		name, dt, reclen := parseDirent((*d.buf)[d.bufp:d.nbuf])
		if reclen == 0 {
			break
		}
		d.bufp += reclen
		if name == "" {
			return ents, f.pathErr("readdirent", syscall.EIO)
		}
		if name == "." || name == ".." {
			continue
		}
		typ := direntType(dt)
		var info fs.FileInfo
		if typ == ^fs.FileMode(0) {
			// The file system did not say: ask, as os does.
			st, err := statAt(f.e, f.ctx, f.h, name, unix.AT_SYMLINK_NOFOLLOW, name)
			if isNotExist(err) {
				continue // gone since getdents
			}
			if err != nil {
				return ents, f.wrapErr("fstatat", nil, err)
			}
			typ, info = st.mode.Type(), st
		}
		if n > 0 {
			n--
		}
		ents = append(ents, &dirEntry{e: f.e, parent: f.name, name: name, typ: typ, info: info})
	}
	if n > 0 && len(ents) == 0 {
		return nil, io.EOF
	}
	return ents, nil
}

func isNotExist(err error) bool { return err == syscall.ENOENT }

func getdents(fd int, buf []byte) (int, error) {
	for {
		n, err := unix.Getdents(fd, buf)
		if err != unix.EINTR {
			return n, err
		}
	}
}

// parseDirent decodes the linux_dirent64 record at the start of buf, bytes getdents64 filled:
// its name (NUL-terminated, padded), its d_type and its length. reclen is 0 if buf does not
// start with a whole record. name is "" for a record whose name the kernel never gives, empty or
// holding a '/' (the kernel fails a FUSE server's such name with EIO): joined to the
// directory's path, it would name another file. FuzzDirents checks it.
func parseDirent(buf []byte) (name string, typ uint8, reclen int) {
	if uintptr(len(buf)) < direntNameOff {
		return "", 0, 0
	}
	reclen = int(binary.NativeEndian.Uint16(buf[direntReclenOff:]))
	if reclen < int(direntNameOff) || reclen > len(buf) {
		return "", 0, 0
	}
	rec := buf[:reclen]
	b := rec[direntNameOff:]
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if bytes.IndexByte(b, '/') >= 0 {
		b = nil
	}
	return string(b), rec[direntTypeOff], reclen
}

// direntType maps d_type to a FileMode type, ^0 for unknown.
func direntType(t uint8) fs.FileMode {
	switch t {
	case unix.DT_BLK:
		return fs.ModeDevice
	case unix.DT_CHR:
		return fs.ModeDevice | fs.ModeCharDevice
	case unix.DT_DIR:
		return fs.ModeDir
	case unix.DT_FIFO:
		return fs.ModeNamedPipe
	case unix.DT_LNK:
		return fs.ModeSymlink
	case unix.DT_REG:
		return 0
	case unix.DT_SOCK:
		return fs.ModeSocket
	}
	return ^fs.FileMode(0)
}

// dirEntry is an entry of ReadDir.
type dirEntry struct {
	e      *Engine
	parent string
	name   string
	typ    fs.FileMode
	info   fs.FileInfo // known already if the type was not
}

func (d *dirEntry) Name() string      { return d.name }
func (d *dirEntry) IsDir() bool       { return d.typ.IsDir() }
func (d *dirEntry) Type() fs.FileMode { return d.typ }
func (d *dirEntry) String() string    { return fs.FormatDirEntry(d) }

// Info is os.Lstat of the entry.
func (d *dirEntry) Info() (fs.FileInfo, error) {
	if d.info != nil {
		return d.info, nil
	}
	return statPath(d.e, d.parent+"/"+d.name, true)
}
