//go:build unix

package main

import (
	"context"
	"io/fs"
	"os"
	"syscall"

	"github.com/ovio/ovio"
)

// fileAPI names what openFile gives, for bench's report.
func fileAPI(o fileOpts) string {
	if o.ring {
		return "requests"
	}
	return "ovio.File"
}

// openFile opens name as os.OpenFile does, with ovio.File on e, and returns it as an ioFile:
// the File itself, or raw requests on its handle.
func openFile(e *ovio.Engine, name string, flag int, perm fs.FileMode, o fileOpts) (ioFile, error) {
	f, err := e.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	if o.ring {
		return &rawFile{e: e, h: ovio.Handle(f.Fd()), name: name, c: f}, nil
	}
	return ovioFile{f}, nil
}

// ovioFile is an *ovio.File as an ioFile.
type ovioFile struct{ f *ovio.File }

func (f ovioFile) ReadAt(ctx context.Context, p []byte, off int64) (int, error) {
	return f.f.ReadAtContext(ctx, p, off)
}

func (f ovioFile) WriteAt(ctx context.Context, p []byte, off int64) (int, error) {
	return f.f.WriteAtContext(ctx, p, off)
}

func (f ovioFile) Sync(ctx context.Context) error { return f.f.SyncContext(ctx) }
func (f ovioFile) Handle() ovio.Handle            { return ovio.Handle(f.f.Fd()) }
func (f ovioFile) Close() error                   { return f.f.Close() }

func (f *rawFile) Sync(ctx context.Context) error {
	if _, err := f.e.Do(ctx, ovio.Fsync(f.h)); err != nil {
		return pathErr("fsync", f.name, err)
	}
	return nil
}

// openToStat opens name for reading, to learn what it is, without waiting: with O_NONBLOCK,
// opening a FIFO does not wait for a writer (cp then refuses it, unread), and with O_NOCTTY a
// terminal does not become the process's controlling one.
func openToStat(name string) (*os.File, error) {
	return os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
}
