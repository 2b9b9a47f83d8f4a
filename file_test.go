package ovio_test

// File beside *os.File: the same calls on both, the same results and the same errors.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ovio/ovio"
)

// forEachEngine runs f against an engine of every kind this platform has.
func forEachEngine(t *testing.T, f func(t *testing.T, e *ovio.Engine)) {
	for _, kind := range engineKinds(t) {
		t.Run(kind, func(t *testing.T) { f(t, openEngine(t, kind, nil)) })
	}
}

// openBoth opens the file at name in dir/os with os and at name in dir/ovio with e, so that the
// two have the same history and their errors differ only by the directory.
func openBoth(t *testing.T, e *ovio.Engine, dir, name string, flag int, perm fs.FileMode) (*os.File, *ovio.File) {
	t.Helper()
	for _, sub := range []string{"os", "ovio"} {
		os.MkdirAll(filepath.Join(dir, sub), 0o755)
	}
	of, err := os.OpenFile(filepath.Join(dir, "os", name), flag, perm)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { of.Close() })
	vf, err := e.OpenFile(filepath.Join(dir, "ovio", name), flag, perm)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { vf.Close() })
	return of, vf
}

// errorTargets are what callers test errors against with errors.Is.
var errorTargets = []error{
	fs.ErrNotExist, fs.ErrExist, fs.ErrPermission, fs.ErrClosed, fs.ErrInvalid, io.EOF,
	io.ErrUnexpectedEOF, syscall.EISDIR, syscall.ENOTDIR, syscall.EBADF, syscall.EINVAL,
	syscall.ESPIPE,
}

// sameErr checks that got is the error os returned as want: the same type, the same Op, the same
// Path (with wantPath standing for gotPath) and the same Err: equal if a native code or one of
// fs's errors, the same message otherwise.
func sameErr(t *testing.T, what string, got, want error, gotPath, wantPath string) {
	t.Helper()
	if (got == nil) != (want == nil) {
		t.Errorf("%s: error %v, os has %v", what, got, want)
		return
	}
	if want == nil {
		return
	}
	for _, target := range errorTargets {
		if errors.Is(got, target) != errors.Is(want, target) {
			t.Errorf("%s: errors.Is(%v, %v) = %v, but %v for os's %v", what, got, target,
				errors.Is(got, target), !errors.Is(got, target), want)
		}
	}
	wpe, ok := want.(*fs.PathError)
	if !ok {
		if got.Error() != want.Error() {
			t.Errorf("%s: error %q, os has %q", what, got, want)
		}
		return
	}
	gpe, ok := got.(*fs.PathError)
	if !ok {
		t.Errorf("%s: error %v (%T), os has an *fs.PathError %v", what, got, got, want)
		return
	}
	wp := wpe.Path
	if wantPath != "" {
		wp = strings.Replace(wp, wantPath, gotPath, 1)
	}
	if gpe.Op != wpe.Op || gpe.Path != wp {
		t.Errorf("%s: error %v, os has %v", what, got, want)
	}
	switch werr := wpe.Err; {
	case isErrno(werr), werr == fs.ErrClosed, werr == fs.ErrInvalid, werr == io.ErrUnexpectedEOF:
		if gpe.Err != werr {
			t.Errorf("%s: Err %v (%T), os has %v (%T)", what, gpe.Err, gpe.Err, werr, werr)
		}
	default:
		if gpe.Err.Error() != werr.Error() {
			t.Errorf("%s: Err %q, os has %q", what, gpe.Err, werr)
		}
	}
}

// sameInfo compares two FileInfos, and their Sys where the platform allows.
func sameInfo(t *testing.T, what string, got, want fs.FileInfo) {
	t.Helper()
	if got.Name() != want.Name() || got.Size() != want.Size() || got.Mode() != want.Mode() ||
		!got.ModTime().Equal(want.ModTime()) || got.IsDir() != want.IsDir() {
		t.Errorf("%s: %s %d %v %v %v, os has %s %d %v %v %v", what,
			got.Name(), got.Size(), got.Mode(), got.ModTime(), got.IsDir(),
			want.Name(), want.Size(), want.Mode(), want.ModTime(), want.IsDir())
	}
	sameSys(t, what, got, want)
}

func isErrno(err error) bool { _, ok := err.(syscall.Errno); return ok }

// TestFileLikeOS runs the same random calls on an *os.File and on a File and compares every
// result, error and byte.
func TestFileLikeOS(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *ovio.Engine) {
		for _, flag := range []int{os.O_RDWR, os.O_RDWR | os.O_APPEND} {
			t.Run(fmt.Sprintf("flag%#x", flag), func(t *testing.T) {
				dir := t.TempDir()
				of, vf := openBoth(t, e, dir, "f", flag|os.O_CREATE, 0o644)
				testLikeOS(t, of, vf, rand.New(rand.NewPCG(1, uint64(flag))))
			})
		}
	})
}

func testLikeOS(t *testing.T, of *os.File, vf *ovio.File, rng *rand.Rand) {
	wantPath, gotPath := of.Name(), vf.Name()
	data := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	for i := range 3000 {
		var what string
		var gn, wn int64
		var gerr, werr error
		var gbuf, wbuf []byte
		switch op := rng.IntN(8); op {
		case 0:
			b := data(rng.IntN(300))
			what = fmt.Sprintf("Write(%d bytes)", len(b))
			n1, e1 := of.Write(b)
			n2, e2 := vf.Write(b)
			wn, werr, gn, gerr = int64(n1), e1, int64(n2), e2
		case 1, 2:
			n := rng.IntN(300)
			wbuf, gbuf = make([]byte, n), make([]byte, n)
			var n1, n2 int
			if op == 1 {
				what = fmt.Sprintf("Read(%d bytes)", n)
				n1, werr = of.Read(wbuf)
				n2, gerr = vf.Read(gbuf)
			} else {
				off := rng.Int64N(3000) - 10
				what = fmt.Sprintf("ReadAt(%d bytes, %d)", n, off)
				n1, werr = of.ReadAt(wbuf, off)
				n2, gerr = vf.ReadAt(gbuf, off)
			}
			wn, gn = int64(n1), int64(n2)
		case 3:
			b := data(rng.IntN(300))
			off := rng.Int64N(3000) - 10
			what = fmt.Sprintf("WriteAt(%d bytes, %d)", len(b), off)
			n1, e1 := of.WriteAt(b, off)
			n2, e2 := vf.WriteAt(b, off)
			wn, werr, gn, gerr = int64(n1), e1, int64(n2), e2
		case 4, 5:
			off, whence := rng.Int64N(3000)-1000, rng.IntN(4)
			if whence == 3 {
				whence = 7 // invalid
			}
			what = fmt.Sprintf("Seek(%d, %d)", off, whence)
			wn, werr = of.Seek(off, whence)
			gn, gerr = vf.Seek(off, whence)
		case 6:
			size := rng.Int64N(3000) - 10
			what = fmt.Sprintf("Truncate(%d)", size)
			werr, gerr = of.Truncate(size), vf.Truncate(size)
		case 7:
			what = "Stat"
			wfi, e1 := of.Stat()
			gfi, e2 := vf.Stat()
			werr, gerr = e1, e2
			if e1 == nil && e2 == nil {
				wn, gn = wfi.Size(), gfi.Size()
				if wfi.Mode() != gfi.Mode() || wfi.Name() != gfi.Name() {
					t.Errorf("%d %s: mode %v name %q, os has %v %q", i, what, gfi.Mode(), gfi.Name(), wfi.Mode(), wfi.Name())
				}
			}
		}
		if gn != wn {
			t.Errorf("%d %s: %d, os has %d", i, what, gn, wn)
		}
		if !bytes.Equal(gbuf[:min(len(gbuf), int(max(gn, 0)))], wbuf[:min(len(wbuf), int(max(wn, 0)))]) {
			t.Errorf("%d %s: read other bytes than os", i, what)
		}
		sameErr(t, fmt.Sprintf("%d %s", i, what), gerr, werr, gotPath, wantPath)
		if t.Failed() {
			return
		}
	}
	want, _ := os.ReadFile(wantPath)
	got, _ := os.ReadFile(gotPath)
	if !bytes.Equal(got, want) {
		t.Errorf("the files differ: %d bytes, os's %d", len(got), len(want))
	}
}

// TestFileErrors puts the same bad input to os and to a File and compares the errors.
func TestFileErrors(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *ovio.Engine) {
		dir := t.TempDir()
		file := filepath.Join(dir, "file")
		if err := os.WriteFile(file, []byte("0123456789"), 0o644); err != nil {
			t.Fatal(err)
		}
		sub := filepath.Join(dir, "sub")
		os.Mkdir(sub, 0o755)

		// Opening.
		opens := []struct {
			name string
			flag int
		}{
			{filepath.Join(dir, "missing"), os.O_RDONLY},
			{file, os.O_RDWR | os.O_CREATE | os.O_EXCL},
			{sub, os.O_RDWR},
			{sub, os.O_WRONLY | os.O_CREATE},
			{"", os.O_RDONLY},
			{"bad\x00name", os.O_RDONLY},
			{filepath.Join(file, "child"), os.O_RDONLY},
			{filepath.Join(dir, "missing", "child"), os.O_RDWR | os.O_CREATE},
			{file, os.O_RDONLY | oDirectory},
		}
		for _, c := range opens {
			wf, werr := os.OpenFile(c.name, c.flag, 0o644)
			gf, gerr := e.OpenFile(c.name, c.flag, 0o644)
			sameErr(t, fmt.Sprintf("OpenFile(%q, %#x)", c.name, c.flag), gerr, werr, "", "")
			if wf != nil {
				wf.Close()
			}
			if gf != nil {
				gf.Close()
			}
		}

		type pair struct {
			os   *os.File
			ovio *ovio.File
		}
		open := func(name string, flag int) pair {
			of, vf := openBoth(t, e, dir, name, flag, 0o644)
			return pair{of, vf}
		}
		seed := func(p pair) {
			p.os.WriteAt([]byte("0123456789"), 0)
			p.ovio.WriteAt([]byte("0123456789"), 0)
		}
		rw := open("rw", os.O_RDWR|os.O_CREATE)
		seed(rw)
		ro := open("rw", os.O_RDONLY)
		wo := open("rw", os.O_WRONLY)
		app := open("app", os.O_RDWR|os.O_CREATE|os.O_APPEND)
		closed := open("closed", os.O_RDWR|os.O_CREATE)
		seed(closed)
		closed.os.Close()
		closed.ovio.Close()
		os.MkdirAll(filepath.Join(dir, "os", "d"), 0o755)
		os.MkdirAll(filepath.Join(dir, "ovio", "d"), 0o755)
		dirf := open("d", os.O_RDONLY)

		buf := make([]byte, 4)
		calls := []struct {
			name string
			f    pair
			osf  func(*os.File) (int64, error)
			ovf  func(*ovio.File) (int64, error)
		}{}
		add := func(name string, f pair, osf func(*os.File) (int64, error), ovf func(*ovio.File) (int64, error)) {
			calls = append(calls, struct {
				name string
				f    pair
				osf  func(*os.File) (int64, error)
				ovf  func(*ovio.File) (int64, error)
			}{name, f, osf, ovf})
		}
		i64 := func(n int, err error) (int64, error) { return int64(n), err }
		for _, c := range []struct {
			name string
			f    pair
		}{{"rw", rw}, {"ro", ro}, {"wo", wo}, {"append", app}, {"closed", closed}, {"dir", dirf}} {
			f := c.f
			add(c.name+" Read", f, func(f *os.File) (int64, error) { return i64(f.Read(buf)) },
				func(f *ovio.File) (int64, error) { return i64(f.Read(buf)) })
			add(c.name+" Read(nil)", f, func(f *os.File) (int64, error) { return i64(f.Read(nil)) },
				func(f *ovio.File) (int64, error) { return i64(f.Read(nil)) })
			add(c.name+" ReadAt", f, func(f *os.File) (int64, error) { return i64(f.ReadAt(buf, 2)) },
				func(f *ovio.File) (int64, error) { return i64(f.ReadAt(buf, 2)) })
			add(c.name+" ReadAt(nil)", f, func(f *os.File) (int64, error) { return i64(f.ReadAt(nil, 2)) },
				func(f *ovio.File) (int64, error) { return i64(f.ReadAt(nil, 2)) })
			add(c.name+" ReadAt past the end", f, func(f *os.File) (int64, error) { return i64(f.ReadAt(buf, 8)) },
				func(f *ovio.File) (int64, error) { return i64(f.ReadAt(buf, 8)) })
			add(c.name+" ReadAt -1", f, func(f *os.File) (int64, error) { return i64(f.ReadAt(buf, -1)) },
				func(f *ovio.File) (int64, error) { return i64(f.ReadAt(buf, -1)) })
			add(c.name+" Write", f, func(f *os.File) (int64, error) { return i64(f.Write([]byte("ab"))) },
				func(f *ovio.File) (int64, error) { return i64(f.Write([]byte("ab"))) })
			add(c.name+" Write(nil)", f, func(f *os.File) (int64, error) { return i64(f.Write(nil)) },
				func(f *ovio.File) (int64, error) { return i64(f.Write(nil)) })
			add(c.name+" WriteAt", f, func(f *os.File) (int64, error) { return i64(f.WriteAt([]byte("ab"), 3)) },
				func(f *ovio.File) (int64, error) { return i64(f.WriteAt([]byte("ab"), 3)) })
			add(c.name+" WriteAt -1", f, func(f *os.File) (int64, error) { return i64(f.WriteAt([]byte("ab"), -1)) },
				func(f *ovio.File) (int64, error) { return i64(f.WriteAt([]byte("ab"), -1)) })
			add(c.name+" Seek", f, func(f *os.File) (int64, error) { return f.Seek(1, io.SeekStart) },
				func(f *ovio.File) (int64, error) { return f.Seek(1, io.SeekStart) })
			add(c.name+" Seek bad whence", f, func(f *os.File) (int64, error) { return f.Seek(1, 9) },
				func(f *ovio.File) (int64, error) { return f.Seek(1, 9) })
			add(c.name+" Seek before start", f, func(f *os.File) (int64, error) { return f.Seek(-100, io.SeekCurrent) },
				func(f *ovio.File) (int64, error) { return f.Seek(-100, io.SeekCurrent) })
			add(c.name+" Truncate", f, func(f *os.File) (int64, error) { return 0, f.Truncate(12) },
				func(f *ovio.File) (int64, error) { return 0, f.Truncate(12) })
			add(c.name+" Truncate -1", f, func(f *os.File) (int64, error) { return 0, f.Truncate(-1) },
				func(f *ovio.File) (int64, error) { return 0, f.Truncate(-1) })
			add(c.name+" Sync", f, func(f *os.File) (int64, error) { return 0, f.Sync() },
				func(f *ovio.File) (int64, error) { return 0, f.Sync() })
			add(c.name+" Stat", f, func(f *os.File) (int64, error) {
				fi, err := f.Stat()
				if err != nil {
					return 0, err
				}
				return fi.Size(), nil
			}, func(f *ovio.File) (int64, error) {
				fi, err := f.Stat()
				if err != nil {
					return 0, err
				}
				return fi.Size(), nil
			})
		}
		add("closed Close", closed, func(f *os.File) (int64, error) { return 0, f.Close() },
			func(f *ovio.File) (int64, error) { return 0, f.Close() })
		for _, c := range calls {
			wn, werr := c.osf(c.f.os)
			gn, gerr := c.ovf(c.f.ovio)
			if c.name == "closed Stat" && runtime.GOOS == "windows" {
				// os's Stat on Windows does not know that its file is closed: it calls
				// GetFileType on the invalid handle it is left with and reports ERROR_INVALID_HANDLE
				// named "GetFileType". File's Stat, like its every other call and like os's on
				// Unix, reports fs.ErrClosed.
				if !isClosedErr(gerr, "stat", c.f.ovio.Name()) || gn != 0 {
					t.Errorf("%s: %d, %v; want stat %s: %v", c.name, gn, gerr, c.f.ovio.Name(), fs.ErrClosed)
				}
				continue
			}
			if gn != wn {
				t.Errorf("%s: %d, os has %d", c.name, gn, wn)
			}
			sameErr(t, c.name, gerr, werr, c.f.ovio.Name(), c.f.os.Name())
		}

		// A nil *File, as a nil *os.File.
		var nf *ovio.File
		var nof *os.File
		_, gerr := nf.Read(buf)
		_, werr := nof.Read(buf)
		sameErr(t, "nil Read", gerr, werr, "", "")
		sameErr(t, "nil Close", nf.Close(), nof.Close(), "", "")
		_, gerr = nf.Stat()
		_, werr = nof.Stat()
		sameErr(t, "nil Stat", gerr, werr, "", "")
		if nf.Fd() != nof.Fd() {
			t.Errorf("nil Fd: %#x, os has %#x", nf.Fd(), nof.Fd())
		}
		if closed.ovio.Fd() != closed.os.Fd() {
			t.Errorf("Fd after Close: %#x, os has %#x", closed.ovio.Fd(), closed.os.Fd())
		}
	})
}

// TestFileConcurrent has many goroutines use one File at once: ReadAt and WriteAt in parallel,
// Read sharing the offset. Run it under -race.
func TestFileConcurrent(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *ovio.Engine) {
		f, err := e.Create(filepath.Join(t.TempDir(), "f"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		const workers, records = 16, 256 // records of 8 bytes per worker
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for r := range records {
					i := w*records + r
					var b [8]byte
					copy(b[:], fmt.Sprintf("%08d", i))
					if _, err := f.WriteAt(b[:], int64(i)*8); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		// Each Read of 8 bytes must take a record no other Read took.
		seen := make([]int, workers*records)
		var mu sync.Mutex
		for range workers {
			wg.Go(func() {
				var b [8]byte
				for {
					n, err := f.Read(b[:])
					if err == io.EOF {
						return
					}
					if err != nil || n != 8 {
						t.Errorf("Read: %d, %v", n, err)
						return
					}
					var i int
					fmt.Sscanf(string(b[:]), "%d", &i)
					// ReadAt beside Read, on the same File.
					var c [8]byte
					if _, err := f.ReadAt(c[:], int64(i)*8); err != nil || c != b {
						t.Errorf("ReadAt of record %d: %q, %v", i, c, err)
					}
					mu.Lock()
					seen[i]++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		for i, n := range seen {
			if n != 1 {
				t.Fatalf("record %d read %d times", i, n)
			}
		}
		if fi, err := f.Stat(); err != nil || fi.Size() != workers*records*8 {
			t.Fatalf("Stat: %v, %v", fi, err)
		}
		// Writers through the shared offset do not overlap either.
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		for range workers {
			wg.Go(func() {
				for range records {
					if n, err := f.Write([]byte("abcdefgh")); n != 8 || err != nil {
						t.Errorf("Write: %d, %v", n, err)
						return
					}
				}
			})
		}
		wg.Wait()
		if pos, _ := f.Seek(0, io.SeekCurrent); pos != workers*records*8 {
			t.Errorf("offset after the writes: %d", pos)
		}
		got, _ := os.ReadFile(f.Name())
		if !bytes.Equal(got, bytes.Repeat([]byte("abcdefgh"), workers*records)) {
			t.Errorf("the writes overlapped")
		}
	})
}

// TestFileConcurrentClose closes a File while many goroutines use it: each call succeeds or
// fails with fs.ErrClosed, and nothing is in flight after.
func TestFileConcurrentClose(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *ovio.Engine) {
		for range 20 {
			f, err := e.Create(filepath.Join(t.TempDir(), "f"))
			if err != nil {
				t.Fatal(err)
			}
			f.Write(make([]byte, 1<<16))
			var wg sync.WaitGroup
			for g := range 8 {
				wg.Go(func() {
					b := make([]byte, 512)
					for i := 0; ; i++ {
						var err error
						switch (g + i) % 4 {
						case 0:
							_, err = f.ReadAt(b, int64(i%128)*512)
						case 1:
							_, err = f.WriteAt(b, int64(i%128)*512)
						case 2:
							_, err = f.Read(b)
							if err == io.EOF {
								_, err = f.Seek(0, io.SeekStart)
							}
						case 3:
							_, err = f.Stat()
						}
						if err != nil {
							if !errors.Is(err, fs.ErrClosed) {
								t.Errorf("call racing Close: %v", err)
							}
							return
						}
					}
				})
			}
			time.Sleep(time.Millisecond)
			if err := f.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			wg.Wait()
		}
	})
}

// TestFileContext cancels a Sync and ReadAt whose context is done, and checks the errors.
func TestFileContext(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *ovio.Engine) {
		f, err := e.Create(filepath.Join(t.TempDir(), "f"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err = f.ReadAtContext(ctx, make([]byte, 4), 0)
		var pe *fs.PathError
		if !errors.As(err, &pe) || pe.Op != "read" || !errors.Is(err, context.Canceled) || errors.Is(err, fs.ErrClosed) {
			t.Errorf("ReadAtContext with a done context: %v", err)
		}
		if err := f.SyncContext(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("SyncContext with a done context: %v", err)
		}
		if n, err := f.WriteContext(ctx, []byte("x")); n != 0 || !errors.Is(err, context.Canceled) {
			t.Errorf("WriteContext with a done context: %d, %v", n, err)
		}
		// The file is still usable.
		live := context.Background()
		if n, err := f.WriteAtContext(live, []byte("hello"), 0); n != 5 || err != nil {
			t.Fatalf("WriteAtContext: %d, %v", n, err)
		}
		b := make([]byte, 5)
		if n, err := f.ReadContext(live, b); n != 5 || err != nil || string(b) != "hello" {
			t.Fatalf("ReadContext: %d, %v, %q", n, err, b)
		}
		ctx, cancel = context.WithTimeout(context.Background(), 10e9)
		defer cancel()
		if n, err := f.ReadAtContext(ctx, b, 1); n != 4 || err != io.EOF {
			t.Fatalf("ReadAtContext with a live deadline: %d, %v", n, err)
		}
	})
}

// TestFilePackageLevel opens files on the default engine.
func TestFilePackageLevel(t *testing.T) {
	engineKinds(t)
	name := filepath.Join(t.TempDir(), "f")
	f, err := ovio.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("default")); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	f, err = ovio.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if b, err := io.ReadAll(f); string(b) != "default" || err != nil {
		t.Fatalf("ReadAll: %q, %v", b, err)
	}
	if _, err := ovio.OpenFile(name+".missing", os.O_RDONLY, 0); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("OpenFile of a missing file: %v", err)
	}
}

var (
	_ io.ReaderAt        = (*ovio.File)(nil)
	_ io.WriterAt        = (*ovio.File)(nil)
	_ io.ReadWriteSeeker = (*ovio.File)(nil)
	_ io.Closer          = (*ovio.File)(nil)
	_ fs.ReadDirFile     = (*ovio.File)(nil)
)

// TestFileEngineClosed closes the engine under an open File: its ops fail with the engine's
// ErrClosed, and Close still closes the descriptor or handle.
func TestFileEngineClosed(t *testing.T) {
	for _, kind := range engineKinds(t) {
		t.Run(kind, func(t *testing.T) {
			e, err := ovio.Open(configFor(kind))
			if err != nil {
				t.Fatal(err)
			}
			f, err := e.Create(filepath.Join(t.TempDir(), "f"))
			if err != nil {
				t.Fatal(err)
			}
			// Data in the page cache: a read that tried the cache before the engine would succeed.
			if _, err := f.WriteAt([]byte("hello"), 0); err != nil {
				t.Fatal(err)
			}
			h := f.Fd()
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			_, err = f.Write([]byte("x"))
			var pe *fs.PathError
			if !errors.As(err, &pe) || pe.Op != "write" || !errors.Is(err, ovio.ErrClosed) || errors.Is(err, fs.ErrClosed) {
				t.Errorf("Write on a closed engine: %v", err)
			}
			buf := make([]byte, 5)
			if n, err := f.ReadAt(buf, 0); n != 0 || !errors.As(err, &pe) || pe.Op != "read" || !errors.Is(err, ovio.ErrClosed) {
				t.Errorf("ReadAt on a closed engine: %d, %v", n, err)
			}
			if n, err := f.Read(buf); n != 0 || !errors.Is(err, ovio.ErrClosed) {
				t.Errorf("Read on a closed engine: %d, %v", n, err)
			}
			if _, err := e.Open(f.Name()); !errors.Is(err, ovio.ErrClosed) {
				t.Errorf("Open on a closed engine: %v", err)
			}
			if err := f.Close(); err != nil {
				t.Errorf("Close on a closed engine: %v", err)
			}
			if handleStillOpen(h, f.Name()) {
				t.Errorf("handle %#x still open", h)
			}
		})
	}
}
