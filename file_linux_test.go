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

// sameSys compares the Sys of two FileInfos where both are *syscall.Stat_t.
func sameSys(t *testing.T, what string, got, want fs.FileInfo) {
	t.Helper()
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

// TestDirFSReadFileSpecial reads files that are not what their size says, and a FIFO, beside os.
func TestDirFSReadFileSpecial(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *ovio.Engine) {
		// /proc reports size 0 and wants whole reads.
		for _, name := range []string{"cmdline", "limits", "mountinfo"} {
			got, err := e.DirFS("/proc/self").(fs.ReadFileFS).ReadFile(name)
			want, werr := os.ReadFile("/proc/self/" + name)
			if err != nil || werr != nil || string(got) != string(want) || len(got) == 0 {
				t.Errorf("ReadFile /proc/self/%s: %d bytes, %v; os reads %d, %v", name, len(got), err, len(want), werr)
			}
		}
		// A FIFO is read at its position, one read at a time, to its end.
		dir := t.TempDir()
		if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o600); err != nil {
			t.Skip(err)
		}
		want := make([]byte, 200_000)
		for i := range want {
			want[i] = byte(i % 251)
		}
		go func() {
			w, err := os.OpenFile(filepath.Join(dir, "fifo"), os.O_WRONLY, 0)
			if err != nil {
				t.Error(err)
				return
			}
			for b := want; len(b) > 0; b = b[min(len(b), 1000):] {
				w.Write(b[:min(len(b), 1000)])
			}
			w.Close()
		}()
		got, err := e.DirFS(dir).(fs.ReadFileFS).ReadFile("fifo")
		if err != nil || string(got) != string(want) {
			t.Errorf("ReadFile of a FIFO: %d bytes, %v; want %d", len(got), err, len(want))
		}
	})
}
