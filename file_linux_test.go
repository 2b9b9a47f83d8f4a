package ovio_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/ovio/ovio"
)

// TestFileStatLikeOS compares Stat with os's for a file, a directory, a FIFO and a device,
// Sys included.
func TestFileStatLikeOS(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *ovio.Engine) {
		dir := t.TempDir()
		file := filepath.Join(dir, "file")
		os.WriteFile(file, []byte("twelve bytes"), 0o640)
		os.Chmod(file, 0o640|fs.ModeSetgid)
		fifo := filepath.Join(dir, "fifo")
		syscall.Mkfifo(fifo, 0o600)
		for _, name := range []string{file, dir, fifo, "/dev/null"} {
			f, err := e.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
			if err != nil {
				t.Fatal(err)
			}
			fi, err := f.Stat()
			f.Close()
			if err != nil {
				t.Fatalf("Stat of %s: %v", name, err)
			}
			ofi, err := os.Stat(name)
			if err != nil {
				t.Fatal(err)
			}
			sameInfo(t, name, fi, ofi)
		}
	})
}

// sameInfo compares two FileInfos, Sys included where both are *syscall.Stat_t.
func sameInfo(t *testing.T, what string, got, want fs.FileInfo) {
	t.Helper()
	if got.Name() != want.Name() || got.Size() != want.Size() || got.Mode() != want.Mode() ||
		!got.ModTime().Equal(want.ModTime()) || got.IsDir() != want.IsDir() {
		t.Errorf("%s: %s %d %v %v %v, os has %s %d %v %v %v", what,
			got.Name(), got.Size(), got.Mode(), got.ModTime(), got.IsDir(),
			want.Name(), want.Size(), want.Mode(), want.ModTime(), want.IsDir())
	}
	gs, ok1 := got.Sys().(*syscall.Stat_t)
	ws, ok2 := want.Sys().(*syscall.Stat_t)
	if ok1 != ok2 {
		t.Errorf("%s: Sys is a %T, os's a %T", what, got.Sys(), want.Sys())
		return
	}
	if ok1 {
		g, w := *gs, *ws
		g.Atim, w.Atim = syscall.Timespec{}, syscall.Timespec{} // reading may touch it
		if g != w {
			t.Errorf("%s: Sys\n%+v\nos has\n%+v", what, g, w)
		}
	}
}
