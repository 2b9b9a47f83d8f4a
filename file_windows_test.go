package ovio_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ovio/ovio"
	"golang.org/x/sys/windows"
)

// oDirectory is os's O_DIRECTORY on Windows (internal/syscall/windows.O_DIRECTORY), which
// os.OpenFile passes on to syscall.Open: opening anything but a directory with it fails with
// ENOTDIR.
const oDirectory = 0x04000

// readDirOp is the Op of ReadDir's errors, as os names them here.
const readDirOp = "readdir"

// dirReadMovesOffset: listing a directory does not move its handle's offset.
const dirReadMovesOffset = false

// handleOpen reports whether h is an open handle: GetFileType fails with ERROR_INVALID_HANDLE for
// one that is not.
func handleOpen(h uintptr) bool {
	_, err := windows.GetFileType(windows.Handle(h))
	return err != windows.ERROR_INVALID_HANDLE
}

// pipeFile creates a named pipe of instances server ends (overlapped, byte mode) and opens its
// client end with e: a File whose reads pend until the server writes. It returns the File, the
// pipe's name and the first server end.
func pipeFile(t *testing.T, e *ovio.Engine, instances int) (*ovio.File, string, windows.Handle) {
	t.Helper()
	name := fmt.Sprintf(`\\.\pipe\ovio-file-%d-%d`, os.Getpid(), pipes.Add(1))
	p, _ := windows.UTF16PtrFromString(name)
	var srv windows.Handle
	for i := range instances {
		h, err := windows.CreateNamedPipe(p, windows.PIPE_ACCESS_DUPLEX|windows.FILE_FLAG_OVERLAPPED,
			windows.PIPE_TYPE_BYTE|windows.PIPE_READMODE_BYTE, uint32(instances), 1<<16, 1<<16, 0, nil)
		if err != nil {
			t.Fatalf("CreateNamedPipe: %v", err)
		}
		t.Cleanup(func() { windows.CloseHandle(h) })
		if i == 0 {
			srv = h
		}
	}
	f, err := e.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, name, srv
}

// TestFileCloseInFlight closes a File while reads pend on it (the client end of a named pipe):
// every read fails with fs.ErrClosed, and when Close returns, no op is in flight and the handle
// is closed.
func TestFileCloseInFlight(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *ovio.Engine) {
		f, _, _ := pipeFile(t, e, 1)
		h := f.Fd()
		const readers = 8
		errs := make(chan error, readers)
		for range readers {
			go func() {
				_, err := f.Read(make([]byte, 8))
				errs <- err
			}()
		}
		waitInFlight(t, e, 1)
		time.Sleep(10 * time.Millisecond)
		if err := f.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if n := e.Stats().InFlight; n != 0 {
			t.Errorf("%d ops in flight after Close returned", n)
		}
		if handleOpen(h) {
			t.Errorf("handle %#x still open after Close", h)
		}
		for range readers {
			if err := <-errs; !isClosedErr(err, "read", f.Name()) {
				t.Errorf("read pending at Close: %v, want read %s: %v", err, f.Name(), fs.ErrClosed)
			}
		}
		if f.Fd() != ^uintptr(0) {
			t.Errorf("Fd after Close: %#x", f.Fd())
		}
	})
}

// TestFileStream reads and writes a named pipe through one File: a pending read does not hold up a
// write, a cancelled read says why, and the positional calls fail as they do with os.
func TestFileStream(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *ovio.Engine) {
		f, name, srv := pipeFile(t, e, 2)
		got := make(chan string, 1)
		go func() {
			b := make([]byte, 16)
			n, err := f.Read(b)
			got <- fmt.Sprint(string(b[:n]), err)
		}()
		waitInFlight(t, e, 1)
		if n, err := f.Write([]byte("through")); n != 7 || err != nil {
			t.Fatalf("Write while a Read pends: %d, %v", n, err)
		}
		b := make([]byte, 16)
		if n, err := e.Do(t.Context(), ovio.Read(srv, b)); err != nil || string(b[:n]) != "through" {
			t.Fatalf("the server end read %q, %v", b[:n], err)
		}
		if n, err := e.Do(t.Context(), ovio.Write(srv, []byte("back"))); n != 4 || err != nil {
			t.Fatalf("the server end wrote %d, %v", n, err)
		}
		if s := <-got; s != "back<nil>" {
			t.Fatalf("Read: %s", s)
		}

		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			waitInFlight(t, e, 1)
			cancel()
		}()
		_, err := f.ReadContext(ctx, make([]byte, 8))
		var pe *fs.PathError
		if !errors.As(err, &pe) || pe.Op != "read" || !errors.Is(err, context.Canceled) ||
			!errors.Is(err, windows.ERROR_OPERATION_ABORTED) || errors.Is(err, fs.ErrClosed) {
			t.Errorf("cancelled ReadContext: %v", err)
		}
		ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		_, err = f.ReadContext(ctx, make([]byte, 8))
		if !errors.Is(err, context.DeadlineExceeded) || !os.IsTimeout(err) {
			t.Errorf("ReadContext past its deadline: %v (timeout %v)", err, os.IsTimeout(err))
		}

		// Beside os, on the pipe's other instance.
		of, err := os.OpenFile(name, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer of.Close()
		_, werr := of.Seek(0, io.SeekStart)
		_, gerr := f.Seek(0, io.SeekStart)
		sameErr(t, "Seek", gerr, werr, "", "")
		_, werr = of.ReadAt(make([]byte, 4), 0)
		_, gerr = f.ReadAt(make([]byte, 4), 0)
		sameErr(t, "ReadAt", gerr, werr, "", "")
		_, werr = of.WriteAt([]byte("x"), 0)
		_, gerr = f.WriteAt([]byte("x"), 0)
		sameErr(t, "WriteAt", gerr, werr, "", "")
		if err := f.ReadAtBatch(context.Background(), []ovio.ReadRange{{Buf: make([]byte, 4)}}); !errors.Is(err, syscall.ESPIPE) {
			t.Errorf("ReadAtBatch: %v", err)
		}
		fi, gerr := f.Stat()
		ofi, werr := of.Stat()
		sameErr(t, "Stat", gerr, werr, "", "")
		if gerr == nil && werr == nil {
			sameInfo(t, "Stat", fi, ofi)
		}
	})
}

// TestFileDevice reads and writes NUL beside os.
func TestFileDevice(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *ovio.Engine) {
		f, err := e.OpenFile("NUL", os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		of, err := os.OpenFile("NUL", os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer of.Close()
		b, ob := make([]byte, 8), make([]byte, 8)
		n, err := f.Read(b)
		on, oerr := of.Read(ob)
		if n != on {
			t.Errorf("NUL Read: %d, os has %d", n, on)
		}
		sameErr(t, "NUL Read", err, oerr, "", "")
		n, err = f.Write([]byte("abc"))
		on, oerr = of.Write([]byte("abc"))
		if n != on {
			t.Errorf("NUL Write: %d, os has %d", n, on)
		}
		sameErr(t, "NUL Write", err, oerr, "", "")
		// A character device ignores offsets: ReadAt, WriteAt and Seek work, as with os.
		n, err = f.ReadAt(b, 5)
		on, oerr = of.ReadAt(ob, 5)
		if n != on {
			t.Errorf("NUL ReadAt: %d, os has %d", n, on)
		}
		sameErr(t, "NUL ReadAt", err, oerr, "", "")
		n, err = f.WriteAt([]byte("abc"), 5)
		on, oerr = of.WriteAt([]byte("abc"), 5)
		if n != on {
			t.Errorf("NUL WriteAt: %d, os has %d", n, on)
		}
		sameErr(t, "NUL WriteAt", err, oerr, "", "")
		pos, err := f.Seek(7, io.SeekStart)
		opos, oerr := of.Seek(7, io.SeekStart)
		if pos != opos {
			t.Errorf("NUL Seek: %d, os has %d", pos, opos)
		}
		sameErr(t, "NUL Seek", err, oerr, "", "")
		fi, err := f.Stat()
		ofi, oerr := of.Stat()
		sameErr(t, "NUL Stat", err, oerr, "", "")
		if err == nil && oerr == nil {
			sameInfo(t, "NUL Stat", fi, ofi)
		}
	})
}

// TestFileHandleBound: a File's handle is overlapped and bound to its engine, usable with that
// engine's requests and refused, at once, by another engine. Once the File closes it, a new file
// that gets the same value and is bound elsewhere is reported as such, not taken for the engine's.
func TestFileHandleBound(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *ovio.Engine) {
		dir := t.TempDir()
		f, err := e.Create(filepath.Join(dir, "f"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		h := ovio.Handle(f.Fd())
		if n, err := e.Do(t.Context(), ovio.WriteAt(h, []byte("raw"), 0)); n != 3 || err != nil {
			t.Fatalf("WriteAt on the File's handle: %d, %v", n, err)
		}
		if b, err := io.ReadAll(f); string(b) != "raw" || err != nil {
			t.Fatalf("ReadAll: %q, %v", b, err)
		}
		e2 := openEngine(t, "iocp", nil)
		if _, err := e2.Do(t.Context(), ovio.ReadAt(h, make([]byte, 4), 0)); !errors.Is(err, ovio.ErrBoundElsewhere) {
			t.Errorf("ReadAt on another engine: %v, want ErrBoundElsewhere", err)
		}

		port, err := windows.CreateIoCompletionPort(windows.InvalidHandle, 0, 0, 1)
		if err != nil {
			t.Fatal(err)
		}
		defer windows.CloseHandle(port)
		f.Close()
		for i := range 50 {
			p, _ := windows.UTF16PtrFromString(filepath.Join(dir, fmt.Sprint("g", i)))
			g, err := windows.CreateFile(p, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil,
				windows.CREATE_NEW, windows.FILE_FLAG_OVERLAPPED, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer windows.CloseHandle(g)
			if g != h {
				continue
			}
			if _, err := windows.CreateIoCompletionPort(g, port, 1, 0); err != nil {
				t.Fatal(err)
			}
			if err := e.Bind(g); !errors.Is(err, ovio.ErrBoundElsewhere) {
				t.Fatalf("Bind of a reused value bound elsewhere: %v, want ErrBoundElsewhere", err)
			}
			return
		}
		t.Skip("the system gave the closed handle's value to none of 50 new files")
	})
}

// TestFileAppend checks, beside os, that a File opened with O_APPEND writes at the end and reads
// on from there, wherever Seek put its offset, and that Truncate does not move that offset.
func TestFileAppend(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *ovio.Engine) {
		of, vf := openBoth(t, e, t.TempDir(), "f", os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
		steps := []struct {
			what string
			os   func(*os.File) (int64, error)
			ovio func(*ovio.File) (int64, error)
		}{
			{"Write", func(f *os.File) (int64, error) { n, err := f.Write([]byte("hello")); return int64(n), err },
				func(f *ovio.File) (int64, error) { n, err := f.Write([]byte("hello")); return int64(n), err }},
			{"Seek(1)", func(f *os.File) (int64, error) { return f.Seek(1, io.SeekStart) },
				func(f *ovio.File) (int64, error) { return f.Seek(1, io.SeekStart) }},
			{"Write", func(f *os.File) (int64, error) { n, err := f.Write([]byte(" world")); return int64(n), err },
				func(f *ovio.File) (int64, error) { n, err := f.Write([]byte(" world")); return int64(n), err }},
			{"Truncate(20)", func(f *os.File) (int64, error) { return 0, f.Truncate(20) },
				func(f *ovio.File) (int64, error) { return 0, f.Truncate(20) }},
			{"Seek(0, current)", func(f *os.File) (int64, error) { return f.Seek(0, io.SeekCurrent) },
				func(f *ovio.File) (int64, error) { return f.Seek(0, io.SeekCurrent) }},
			{"Seek(-3, end)", func(f *os.File) (int64, error) { return f.Seek(-3, io.SeekEnd) },
				func(f *ovio.File) (int64, error) { return f.Seek(-3, io.SeekEnd) }},
			{"Read", func(f *os.File) (int64, error) { n, err := f.Read(make([]byte, 8)); return int64(n), err },
				func(f *ovio.File) (int64, error) { n, err := f.Read(make([]byte, 8)); return int64(n), err }},
			{"Write", func(f *os.File) (int64, error) { n, err := f.Write([]byte("!")); return int64(n), err },
				func(f *ovio.File) (int64, error) { n, err := f.Write([]byte("!")); return int64(n), err }},
			{"Read", func(f *os.File) (int64, error) { n, err := f.Read(make([]byte, 8)); return int64(n), err },
				func(f *ovio.File) (int64, error) { n, err := f.Read(make([]byte, 8)); return int64(n), err }},
			{"WriteAt", func(f *os.File) (int64, error) { n, err := f.WriteAt([]byte("x"), 0); return int64(n), err },
				func(f *ovio.File) (int64, error) { n, err := f.WriteAt([]byte("x"), 0); return int64(n), err }},
		}
		for _, s := range steps {
			wn, werr := s.os(of)
			gn, gerr := s.ovio(vf)
			if gn != wn {
				t.Errorf("%s: %d, os has %d", s.what, gn, wn)
			}
			sameErr(t, s.what, gerr, werr, vf.Name(), of.Name())
		}
		want, _ := os.ReadFile(of.Name())
		got, _ := os.ReadFile(vf.Name())
		if string(got) != string(want) {
			t.Errorf("content %q, os has %q", got, want)
		}
	})
}

// TestFilePerm creates files with and without write permission beside os: a perm without it
// sets the read-only attribute, which Stat shows and a later open for writing meets.
func TestFilePerm(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *ovio.Engine) {
		dir := t.TempDir()
		for _, perm := range []fs.FileMode{0o644, 0o444, 0o200} {
			name := fmt.Sprintf("f%o", perm)
			of, vf := openBoth(t, e, dir, name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
			t.Cleanup(func() { os.Chmod(of.Name(), 0o644); os.Chmod(vf.Name(), 0o644) })
			ofi, werr := of.Stat()
			gfi, gerr := vf.Stat()
			sameErr(t, name+" Stat", gerr, werr, vf.Name(), of.Name())
			if werr == nil && gerr == nil && (gfi.Mode() != ofi.Mode() || gfi.Name() != ofi.Name()) {
				t.Errorf("%s: %s %v, os has %s %v", name, gfi.Name(), gfi.Mode(), ofi.Name(), ofi.Mode())
			}
			vf.Close()
			of.Close()
			o, werr := os.OpenFile(of.Name(), os.O_WRONLY, 0)
			g, gerr := e.OpenFile(vf.Name(), os.O_WRONLY, 0)
			sameErr(t, name+" reopened for writing", gerr, werr, vf.Name(), of.Name())
			if o != nil {
				o.Close()
			}
			if g != nil {
				g.Close()
			}
		}
	})
}

// TestFileLongPath opens, reads and lists a file whose path is longer than MAX_PATH, as os does
// (with the \\?\ prefix).
func TestFileLongPath(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *ovio.Engine) {
		dir := t.TempDir()
		for len(dir) < 300 {
			dir = filepath.Join(dir, strings.Repeat("d", 40))
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Skipf("os cannot make a long path here: %v", err)
		}
		name := filepath.Join(dir, "file")
		f, err := e.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte("long")); err != nil {
			t.Fatal(err)
		}
		f.Close()
		if b, err := os.ReadFile(name); string(b) != "long" || err != nil {
			t.Fatalf("os.ReadFile: %q, %v", b, err)
		}
		fsys := e.DirFS(dir)
		if b, err := fs.ReadFile(fsys, "file"); string(b) != "long" || err != nil {
			t.Fatalf("DirFS ReadFile: %q, %v", b, err)
		}
		ents, err := fs.ReadDir(fsys, ".")
		if err != nil || len(ents) != 1 || ents[0].Name() != "file" {
			t.Fatalf("DirFS ReadDir: %v, %v", ents, err)
		}
		// Relative to the working directory, as os does it.
		rel, err := filepath.Rel(mustGetwd(t), name)
		if err != nil || len(rel) >= 248 {
			return
		}
		if f, err := e.Open(rel); err != nil {
			t.Errorf("Open(%q): %v", rel, err)
		} else {
			f.Close()
		}
	})
}

func mustGetwd(t *testing.T) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}

// TestFileReadDirConcurrentSeek lists a directory from several goroutines while another seeks it:
// no panic, no race, and a listing after the last Seek is whole.
func TestFileReadDirConcurrentSeek(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *ovio.Engine) {
		root := t.TempDir()
		makeTree(t, root, 0)
		f, err := e.Open(filepath.Join(root, "many"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for range 20 {
					if _, err := f.ReadDir(17); err != nil && err != io.EOF {
						t.Errorf("ReadDir: %v", err)
						return
					}
				}
			})
		}
		wg.Go(func() {
			for range 20 {
				f.Seek(0, io.SeekStart)
			}
		})
		wg.Wait()
		f.Seek(0, io.SeekStart)
		if ents, err := f.ReadDir(-1); len(ents) != 300 || err != nil {
			t.Fatalf("ReadDir after Seek: %d, %v", len(ents), err)
		}
	})
}

// handleStillOpen reports whether the handle h is still open.
func handleStillOpen(h uintptr, path string) bool { return handleOpen(h) }
