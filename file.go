package ovio

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"runtime"
	"sync/atomic"
	"syscall"
)

// File is an open file whose I/O runs as ops on an Engine: a goroutine blocked in Read or ReadAt
// waits for a completion, not in a system call, and the context forms of the calls cancel the op
// in the kernel. Its methods mirror those of *os.File, with the same semantics and the same
// errors: an *fs.PathError naming the call ("read", "write", "seek", "stat", ...) and the path,
// and wrapping the native error, so that errors.Is(err, fs.ErrNotExist) and friends hold.
//
// A File is safe for use by many goroutines. ReadAt and WriteAt run in parallel; Read, Write and
// Seek share the file offset and run one at a time, as they do on an *os.File.
//
// Close may be called while ops are in flight: it cancels them (each returns its result if it
// had already finished, or an error wrapping fs.ErrClosed), waits for all of them to complete,
// and only then closes the handle, so that no op can reach another file that reuses the number.
type File struct {
	e      *Engine
	h      Handle
	name   string
	append bool  // opened with O_APPEND: writes go to the end (on Unix, at the kernel's position)
	rw     uint8 // hints for the engine on every read and write: rwNowait unless O_DIRECT

	ref  fileRef
	ctx  context.Context    // ended by Close: the ops in flight are cancelled
	stop context.CancelFunc // ends ctx

	seek     atomic.Uint32 // seekUnknown, seekYes or seekNo: whether the file has offsets
	mu       ctxMutex      // serialises Read, Write and Seek where they share a position
	pos      int64         // the offset of the next Read or Write; guarded by mu
	atEnd    bool          // pos is the file's end, not known yet: an append moved it; guarded by mu
	rmu, wmu ctxMutex      // serialise Read, and Write, on a file without offsets

	dir     dirState    // ReadDir's state
	dirRead atomic.Bool // ReadDir was called: the kernel's position is the directory's
	cleanup runtime.Cleanup
}

const (
	seekUnknown = iota
	seekYes
	seekNo
)

// OpenFile opens the named file on the default engine, as os.OpenFile does: flag is a
// combination of the os.O_* flags and perm the permission bits of a file it creates (before the
// umask). The error is an *fs.PathError with Op "open".
func OpenFile(name string, flag int, perm fs.FileMode) (*File, error) {
	e, err := Default()
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return e.OpenFile(name, flag, perm)
}

// Create creates or truncates the named file on the default engine, as os.Create does: mode
// 0666 before the umask, opened for reading and writing.
func Create(name string) (*File, error) {
	return OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o666)
}

// OpenFile opens the named file for I/O on e, as os.OpenFile does. On Unix the open itself is an
// op (openat) where the engine can run it.
func (e *Engine) OpenFile(name string, flag int, perm fs.FileMode) (*File, error) {
	h, err := openHandle(e, name, flag, perm)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return newFile(e, h, name, flag), nil
}

// Open opens the named file for reading on e, as os.Open does.
func (e *Engine) Open(name string) (*File, error) { return e.OpenFile(name, os.O_RDONLY, 0) }

// Create creates or truncates the named file on e, as os.Create does.
func (e *Engine) Create(name string) (*File, error) {
	return e.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o666)
}

func newFile(e *Engine, h Handle, name string, flag int) *File {
	f := &File{e: e, h: h, name: name, append: flag&os.O_APPEND != 0, rw: rwHints(flag)}
	f.ref.init()
	f.mu, f.rmu, f.wmu = newCtxMutex(), newCtxMutex(), newCtxMutex()
	f.ctx, f.stop = context.WithCancel(context.Background())
	// Like an *os.File, a File that becomes unreachable unclosed closes its handle. Nothing
	// can be in flight then: every op keeps its File reachable until it has completed.
	f.cleanup = runtime.AddCleanup(f, func(h Handle) { closeHandleNow(h) }, h)
	return f
}

// readAtReq, writeAtReq, readReq and writeReq are the file's requests, with its hints.
func (f *File) readAtReq(p []byte, off int64) Request  { return f.hint(ReadAt(f.h, p, off)) }
func (f *File) writeAtReq(p []byte, off int64) Request { return f.hint(WriteAt(f.h, p, off)) }
func (f *File) readReq(p []byte) Request               { return f.hint(streamRead(f.h, p)) }
func (f *File) writeReq(p []byte) Request              { return f.hint(streamWrite(f.h, p)) }

func (f *File) hint(r Request) Request {
	r.rw |= f.rw
	return r
}

// ReadDir reads the directory's entries, in directory order, as (*os.File).ReadDir does: with
// n > 0, at most n of them, and io.EOF at the end; with n <= 0, all that remain, and nil at the
// end. The result is never nil, as os's.
func (f *File) ReadDir(n int) ([]fs.DirEntry, error) {
	if f == nil {
		return nil, fs.ErrInvalid
	}
	ents, err := f.readDir(n)
	if ents == nil {
		ents = []fs.DirEntry{} // as os: never nil
	}
	return ents, err
}

// Name returns the name of the file as given to OpenFile.
func (f *File) Name() string { return f.name }

// Fd returns the file's handle: a file descriptor on Unix, a windows.Handle on Windows; or
// ^uintptr(0) once the file is closed. The handle is valid only until Close, and only while the
// File is reachable: an unreachable File closes it. File keeps its own offset for Read, Write and
// Seek, so the kernel's position of the handle does not follow them. On Windows the handle is
// opened for overlapped I/O and bound to the engine's completion port (see Engine.Bind): it can
// be used with that engine's requests, not with os or another engine.
func (f *File) Fd() uintptr {
	if f == nil || f.ref.closed.Load() {
		return ^uintptr(0)
	}
	return uintptr(f.h)
}

// Close closes the file. Ops in flight are cancelled: each returns its result if it had already
// finished, or an error wrapping fs.ErrClosed. Close waits for all of them to complete, then
// closes the handle (on Unix with a close op) and returns its error. A second Close returns an
// *fs.PathError wrapping fs.ErrClosed, as for an *os.File.
func (f *File) Close() error {
	if f == nil {
		return fs.ErrInvalid
	}
	first, busy := f.ref.startClose()
	if !first {
		return f.pathErr("close", fs.ErrClosed)
	}
	f.stop()
	if busy {
		f.ref.wait()
	}
	f.dir.close()
	f.cleanup.Stop()
	err := closeHandle(f.e, f.h)
	f.ref.closed.Store(true)
	if err != nil {
		return f.pathErr("close", err)
	}
	return nil
}

// Stat returns the file's fs.FileInfo, with the same Name, Size, Mode, ModTime and Sys as
// (*os.File).Stat: on Unix Sys is a *syscall.Stat_t, on Windows a *syscall.Win32FileAttributeData.
// It is fstat(2), or GetFileInformationByHandle, which have no path to look up and so nothing to
// wait for on a local file system: an op would cost more than it saves (and Windows has no
// overlapped form of it). Its errors are os's: an *fs.PathError named "stat" on Unix, and on
// Windows named after the call that failed, as os names them.
func (f *File) Stat() (fs.FileInfo, error) {
	if f == nil {
		return nil, fs.ErrInvalid
	}
	if !f.ref.acquire() {
		return nil, f.pathErr("stat", fs.ErrClosed)
	}
	defer f.ref.release()
	fi, err := f.stat()
	if pe, ok := err.(*fs.PathError); ok {
		return nil, pe // named after the call that failed, as os's Stat on Windows names it
	}
	if err != nil {
		return nil, f.wrapErr("stat", nil, err)
	}
	return fi, nil
}

// Truncate changes the size of the file, as (*os.File).Truncate does. It does not change the
// offset of Read and Write.
func (f *File) Truncate(size int64) error {
	if f == nil {
		return fs.ErrInvalid
	}
	if !f.ref.acquire() {
		return f.pathErr("truncate", fs.ErrClosed)
	}
	defer f.ref.release()
	if ownOffsets && f.append && f.seekable() {
		// An append left the offset at the end of the file as it was then, which this may move:
		// read it first (see file_io.go).
		if err := f.mu.lock(f.ctx); err != nil {
			return f.wrapErr("truncate", nil, lockErr("truncate", err))
		}
		defer f.mu.unlock()
		if _, err := f.offset(); err != nil {
			return f.wrapErr("truncate", nil, err)
		}
	}
	if err := f.truncate(size); err != nil {
		return f.wrapErr("truncate", nil, err)
	}
	return nil
}

// Sync commits the file's contents to stable storage, as (*os.File).Sync does: an fsync op on
// Linux; FlushFileBuffers on Windows, which has no overlapped form and so blocks the calling
// goroutine's thread, as it does with os.
func (f *File) Sync() error { return f.SyncContext(context.Background()) }

// SyncContext is Sync with a context that can cancel the op.
func (f *File) SyncContext(ctx context.Context) error {
	if f == nil {
		return fs.ErrInvalid
	}
	if !f.ref.acquire() {
		return f.pathErr("sync", fs.ErrClosed)
	}
	defer f.ref.release()
	octx, done := f.opCtx(ctx)
	err := f.sync(octx)
	if done != nil {
		done()
	}
	if err != nil {
		return f.wrapErr("sync", ctx, err)
	}
	return nil
}

// opCtx returns the context an op of f runs under: ctx, ended also by Close. For a context that
// can never end, that is f's own, at no cost; otherwise done must be called after the op.
func (f *File) opCtx(ctx context.Context) (octx context.Context, done func()) {
	if ctx.Done() == nil {
		return f.ctx, nil
	}
	octx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(f.ctx, cancel)
	return octx, func() { stop(); cancel() }
}

// pathErr is the error os returns: the call, the file's name, and the error.
func (f *File) pathErr(op string, err error) error {
	return &fs.PathError{Op: op, Path: f.name, Err: err}
}

// wrapErr turns an op's error into the *fs.PathError os would return. ctx is the caller's
// context, nil for calls without one.
//
//   - A native error becomes the PathError's Err, as os has it: syscall.EBADF, not an *OpError.
//   - An op that Close cancelled, or never started because Close had begun, fails with
//     fs.ErrClosed, as a read interrupted by (*os.File).Close does.
//   - Anything else (the caller's context ended, the engine closed, an op the engine lacks) keeps
//     the *OpError, so that errors.Is(err, context.Canceled) or errors.Is(err, ErrClosed) hold.
func (f *File) wrapErr(op string, ctx context.Context, err error) error {
	var oe *OpError
	if !errors.As(err, &oe) {
		return f.pathErr(op, err)
	}
	if errno, ok := oe.Err.(syscall.Errno); ok && oe.Cause == nil {
		return f.pathErr(op, errno)
	}
	if f.ref.closing() && (ctx == nil || ctx.Err() == nil) &&
		(oe.Cause == context.Canceled || (oe.Cause == nil && oe.Err == context.Canceled)) {
		return f.pathErr(op, fs.ErrClosed)
	}
	return f.pathErr(op, oe)
}

// nativeErr returns the native error of an op's *OpError, or err itself if the op failed for
// another reason.
func nativeErr(err error) error {
	if oe, ok := err.(*OpError); ok && oe.Cause == nil {
		if errno, ok := oe.Err.(syscall.Errno); ok {
			return errno
		}
	}
	return err
}

// syscallMode turns a FileMode into the mode bits of open(2) (of syscall.Open on Windows, which
// looks at S_IWRITE only), as os does.
func syscallMode(m fs.FileMode) uint32 {
	o := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		o |= syscall.S_ISUID
	}
	if m&fs.ModeSetgid != 0 {
		o |= syscall.S_ISGID
	}
	if m&fs.ModeSticky != 0 {
		o |= syscall.S_ISVTX
	}
	return o
}
