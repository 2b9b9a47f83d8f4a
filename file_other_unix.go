//go:build unix && !linux

package ovio

import (
	"io/fs"
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// Where there is no statx, Stat, ReadDir and the DirFS's Stat are os's own, on a duplicate of the
// descriptor or by path: their FileInfo and DirEntry are then exactly os's, per system.

// stat is Stat's work: os's Stat of a duplicate of the descriptor.
func (f *File) stat() (fs.FileInfo, error) {
	of, err := f.dup()
	if err != nil {
		return nil, err
	}
	defer of.Close()
	fi, err := of.Stat()
	if pe, ok := err.(*fs.PathError); ok {
		return nil, pe.Err
	}
	return fi, err
}

// dup returns an *os.File for a duplicate of f's descriptor, named as f.
func (f *File) dup() (*os.File, error) {
	syscall.ForkLock.RLock()
	fd, err := unix.Dup(f.h)
	if err == nil {
		unix.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), f.name), nil
}

// statPath is os.Stat, or os.Lstat.
func statPath(e *Engine, name string, lstat bool) (fs.FileInfo, error) {
	if lstat {
		return os.Lstat(name)
	}
	return os.Stat(name)
}

// truncate is Truncate's work: ftruncate(2).
func (f *File) truncate(size int64) error {
	for {
		err := syscall.Ftruncate(f.h, size)
		if err != syscall.EINTR {
			return err
		}
	}
}

// dirState is what ReadDir keeps between calls: an *os.File on a duplicate of the descriptor,
// which shares its directory position.
type dirState struct {
	mu sync.Mutex
	of *os.File
}

func (d *dirState) reset() {
	d.mu.Lock()
	if d.of != nil {
		d.of.Close()
		d.of = nil
	}
	d.mu.Unlock()
}

func (d *dirState) close() { d.reset() }

// readDir is ReadDir, through os's ReadDir of a duplicate of the descriptor.
func (f *File) readDir(n int) ([]fs.DirEntry, error) {
	if !f.ref.acquire() {
		return []fs.DirEntry{}, f.pathErr("readdirent", fs.ErrClosed)
	}
	defer f.ref.release()
	f.dirRead.Store(true)
	d := &f.dir
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.of == nil {
		of, err := f.dup()
		if err != nil {
			return []fs.DirEntry{}, f.pathErr("readdirent", err)
		}
		d.of = of
	}
	return d.of.ReadDir(n)
}
