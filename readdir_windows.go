package ovio

import (
	"io"
	"io/fs"
	"sync"
	"syscall"

	"github.com/ovio/ovio/internal/iocp"
	"golang.org/x/sys/windows"
)

// ReadDir on Windows reads what os's ReadDir reads, FILE_FULL_DIR_INFORMATION records 64 KiB at a
// time, from the start of the directory on the first call and after a Seek, then on from there,
// but as an op: NtQueryDirectoryFile with the op's OVERLAPPED, which on an overlapped handle a file
// system may complete later, through the port, where os calls GetFileInformationByHandleEx and
// blocks. An entry's Info is built from its record, as os builds it, with no further call.

// dirState is what ReadDir keeps between calls: the records of the last query not yet returned,
// and whether the next query starts the listing over.
type dirState struct {
	mu      sync.Mutex
	buf     *[]byte  // nil until the first ReadDir, and after the end
	nbuf    int      // bytes of buf the query filled
	bufp    int      // the next record's offset in buf
	started bool     // a query was made since the last reset: the next one continues
	name    []uint16 // scratch for a record's name
}

const dirBufSize = 64 * 1024 // as os: Windows 8.1 and earlier refuse more

var dirBufPool = sync.Pool{New: func() any { b := make([]byte, dirBufSize); return &b }}

// reset drops the records read ahead and makes the next ReadDir start over, as os's Seek does.
func (d *dirState) reset() {
	d.mu.Lock()
	d.release()
	d.started = false
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

// queryDirectory is the request of one NtQueryDirectoryFile into buf, which must be 8-byte
// aligned (a pooled buffer of 64 KiB is).
func queryDirectory(h Handle, buf []byte, restart bool) Request {
	r := nativeRequest(h, "NtQueryDirectoryFile", []any{buf})
	r.sys.start = func(ov *windows.Overlapped) windows.NTStatus {
		return windows.NTStatus(iocp.QueryDirectory(h, buf, iocp.ClassFileFullDirectory, restart, ov))
	}
	return r
}

// readDir is ReadDir. Each entry's Info is known already, from the listing.
func (f *File) readDir(n int) (ents []fs.DirEntry, err error) {
	if !f.ref.acquire() {
		return nil, f.pathErr("readdir", fs.ErrClosed)
	}
	defer f.ref.release()
	d := &f.dir
	d.mu.Lock()
	defer d.mu.Unlock()
	wantAll := n <= 0
	if wantAll {
		n = -1 // below: negative reads to the end, positive counts down to 0
	}
	for n != 0 {
		if d.bufp >= d.nbuf {
			if d.buf == nil {
				d.buf = dirBufPool.Get().(*[]byte)
			}
			d.nbuf, d.bufp = 0, 0
			m, err := f.e.Do(f.ctx, queryDirectory(f.h, *d.buf, !d.started))
			if err != nil {
				switch nativeErr(err) {
				case windows.ERROR_NO_MORE_FILES:
					// The end. As os, later calls ask again, and find nothing either.
					d.started = true
					d.release()
					return f.dirEnd(ents, wantAll)
				case windows.ERROR_FILE_NOT_FOUND:
					if !d.started {
						// MS-FSA 2.1.5.6.3: a file system answers STATUS_NO_SUCH_FILE for
						// an empty root directory (see os, go.dev/issue/61159).
						return f.dirEnd(ents, wantAll)
					}
				}
				return ents, f.readDirErr(err)
			}
			d.started = true
			if m <= 0 || m > len(*d.buf) {
				d.release()
				return f.dirEnd(ents, wantAll)
			}
			d.nbuf = m
		}
		rec, next, err := parseFullDirInfo((*d.buf)[d.bufp:d.nbuf], d.name)
		if err != nil {
			d.release()
			return ents, f.pathErr("readdir", err)
		}
		d.name = rec.name
		if next == 0 {
			d.bufp = d.nbuf
		} else {
			d.bufp += next
		}
		if nm := rec.name; (len(nm) == 1 && nm[0] == '.') || (len(nm) == 2 && nm[0] == '.' && nm[1] == '.') {
			continue
		}
		ents = append(ents, &dirEntry{&fileStat{
			name:         syscall.UTF16ToString(rec.name),
			attrs:        rec.attrs,
			creationTime: filetime(rec.creationTime),
			accessTime:   filetime(rec.accessTime),
			writeTime:    filetime(rec.writeTime),
			sizeHigh:     uint32(uint64(rec.size) >> 32),
			sizeLow:      uint32(rec.size),
			reparseTag:   rec.eaSize, // EaSize holds the reparse tag of a reparse point
		}})
		if n > 0 {
			n--
		}
	}
	return f.dirEnd(ents, wantAll)
}

// dirEnd is what ReadDir returns once it has its entries: io.EOF for none when some were asked.
func (f *File) dirEnd(ents []fs.DirEntry, wantAll bool) ([]fs.DirEntry, error) {
	if !wantAll && len(ents) == 0 {
		return nil, io.EOF
	}
	return ents, nil
}

// readDirErr is the error of a failed query, as os reports it: ENOTDIR named "readdir" if the file
// is not a directory, else the system's error named after GetFileInformationByHandleEx, which os
// calls. A query the File's Close cancelled, or the engine refused, fails as any op of the File.
func (f *File) readDirErr(err error) error {
	errno, ok := nativeErr(err).(syscall.Errno)
	if !ok {
		return f.wrapErr("readdir", nil, err)
	}
	if fi, serr := f.stat(); serr == nil && !fi.IsDir() {
		return f.pathErr("readdir", syscall.ENOTDIR)
	}
	return &fs.PathError{Op: "GetFileInformationByHandleEx", Path: f.name, Err: errno}
}

func filetime(t int64) syscall.Filetime {
	return syscall.Filetime{LowDateTime: uint32(t), HighDateTime: uint32(uint64(t) >> 32)}
}

// dirEntry is an entry of ReadDir, as os's on Windows: its Info is the listing's.
type dirEntry struct{ fs *fileStat }

func (d *dirEntry) Name() string               { return d.fs.name }
func (d *dirEntry) IsDir() bool                { return d.fs.IsDir() }
func (d *dirEntry) Type() fs.FileMode          { return d.fs.Mode().Type() }
func (d *dirEntry) Info() (fs.FileInfo, error) { return d.fs, nil }
func (d *dirEntry) String() string             { return fs.FormatDirEntry(d) }
