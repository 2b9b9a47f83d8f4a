//go:build unix

package main

import (
	"context"
	"io/fs"
	"os"

	"github.com/ovio/ovio"
)

// openFile opens name as os.OpenFile does and returns it as an ioFile on e.
func openFile(e *ovio.Engine, name string, flag int, perm fs.FileMode, _ fileOpts) (ioFile, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &rawFile{e: e, h: ovio.Handle(f.Fd()), name: name, c: f}, nil
}

func (f *rawFile) Sync(ctx context.Context) error {
	if _, err := f.e.Do(ctx, ovio.Fsync(f.h)); err != nil {
		return pathErr("fsync", f.name, err)
	}
	return nil
}
