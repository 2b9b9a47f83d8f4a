//go:build unix

package ovio_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/ovio/ovio"
)

const oDirectory = syscall.O_DIRECTORY

// readDirOp is the Op of ReadDir's errors, as os names them here.
const readDirOp = "readdirent"

// dirReadMovesOffset: reading a directory moves its offset, which Seek(0, io.SeekCurrent) then
// reports.
const dirReadMovesOffset = true

// fifo makes a named pipe and opens it with e for reading and writing, which does not wait for
// a peer: its reads pend until something is written.
func fifo(t *testing.T, e *ovio.Engine) *ovio.File {
	t.Helper()
	name := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(name, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	f, err := e.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// fdOpen reports whether fd is open and names path.
func fdOpen(fd uintptr, path string) bool {
	target, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(int(fd)))
	if err != nil {
		var st syscall.Stat_t
		return syscall.Fstat(int(fd), &st) == nil && path == ""
	}
	return target == path
}

// TestFileCloseInFlight closes a File while reads pend on it: every read fails with fs.ErrClosed,
// and when Close returns, no op is in flight and the descriptor is closed.
func TestFileCloseInFlight(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *ovio.Engine) {
		f := fifo(t, e)
		fd := f.Fd()
		const readers = 8
		errs := make(chan error, readers)
		for range readers {
			go func() {
				_, err := f.Read(make([]byte, 8))
				errs <- err
			}()
		}
		// Each reader holds the read lock in turn: one op pends, the others wait for the lock.
		waitInFlight(t, e, 1)
		time.Sleep(10 * time.Millisecond)
		if !fdOpen(fd, f.Name()) {
			t.Fatalf("descriptor %d is not the FIFO before Close", fd)
		}
		if err := f.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if n := e.Stats().InFlight; n != 0 {
			t.Errorf("%d ops in flight after Close returned", n)
		}
		if fdOpen(fd, f.Name()) {
			t.Errorf("descriptor %d still open after Close", fd)
		}
		for range readers {
			err := <-errs
			var pe *fs.PathError
			if !errors.As(err, &pe) || pe.Op != "read" || pe.Path != f.Name() || pe.Err != fs.ErrClosed {
				t.Errorf("read pending at Close: %v, want read %s: %v", err, f.Name(), fs.ErrClosed)
			}
		}
		if f.Fd() != ^uintptr(0) {
			t.Errorf("Fd after Close: %d", f.Fd())
		}
	})
}

// TestFileCloseRacesData closes a File while data arrives for its pending read: the read either
// has the data or fails with fs.ErrClosed.
func TestFileCloseRacesData(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *ovio.Engine) {
		var got, closed int
		for range 200 {
			f := fifo(t, e)
			w, err := os.OpenFile(f.Name(), os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			var n int
			var rerr error
			go func() {
				defer close(done)
				n, rerr = f.Read(make([]byte, 8))
			}()
			waitInFlight(t, e, 1)
			go w.Write([]byte("data"))
			f.Close()
			<-done
			w.Close()
			switch {
			case rerr == nil && n == 4:
				got++
			case errors.Is(rerr, fs.ErrClosed):
				closed++
			default:
				t.Fatalf("read racing Close: %d, %v", n, rerr)
			}
		}
		t.Logf("%d reads had the data, %d were closed", got, closed)
	})
}

// TestFileStream reads and writes a FIFO through one File: a pending read does not hold up a
// write, a cancelled read says why, and the positional calls fail as they do with os.
func TestFileStream(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *ovio.Engine) {
		f := fifo(t, e)
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
		if s := <-got; s != "through<nil>" {
			t.Fatalf("Read: %s", s)
		}

		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			waitInFlight(t, e, 1)
			cancel()
		}()
		_, err := f.ReadContext(ctx, make([]byte, 8))
		var pe *fs.PathError
		if !errors.As(err, &pe) || pe.Op != "read" || !errors.Is(err, context.Canceled) || errors.Is(err, fs.ErrClosed) {
			t.Errorf("cancelled ReadContext: %v", err)
		}
		ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		_, err = f.ReadContext(ctx, make([]byte, 8))
		if !errors.Is(err, context.DeadlineExceeded) || !os.IsTimeout(err) {
			t.Errorf("ReadContext past its deadline: %v (timeout %v)", err, os.IsTimeout(err))
		}

		// A read queued behind a pending one still ends with its context.
		first := make(chan error, 1)
		go func() {
			_, err := f.Read(make([]byte, 1))
			first <- err
		}()
		waitInFlight(t, e, 1)
		ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err = f.ReadContext(ctx, make([]byte, 8))
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
			t.Errorf("ReadContext queued behind a pending Read: %v after %v", err, time.Since(start))
		}
		f.Write([]byte("x"))
		if err := <-first; err != nil {
			t.Errorf("the pending Read: %v", err)
		}

		// Beside os on the same FIFO.
		of, err := os.OpenFile(f.Name(), os.O_RDWR, 0)
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
		results := []ovio.ReadRange{{Buf: make([]byte, 4)}}
		if err := f.ReadAtBatch(context.Background(), results); !errors.Is(err, syscall.ESPIPE) {
			t.Errorf("ReadAtBatch: %v", err)
		}
	})
}

// TestFileDevice reads and writes /dev/null and /dev/zero beside os.
func TestFileDevice(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *ovio.Engine) {
		for _, name := range []string{"/dev/null", "/dev/zero"} {
			f, err := e.OpenFile(name, os.O_RDWR, 0)
			if err != nil {
				t.Skip(err)
			}
			of, _ := os.OpenFile(name, os.O_RDWR, 0)
			b, ob := make([]byte, 8), make([]byte, 8)
			n, err := f.Read(b)
			on, oerr := of.Read(ob)
			if n != on || string(b) != string(ob) {
				t.Errorf("%s Read: %d %q, os has %d %q", name, n, b, on, ob)
			}
			sameErr(t, name+" Read", err, oerr, "", "")
			n, err = f.Write([]byte("abc"))
			on, oerr = of.Write([]byte("abc"))
			if n != on {
				t.Errorf("%s Write: %d, os has %d", name, n, on)
			}
			sameErr(t, name+" Write", err, oerr, "", "")
			fi, err := f.Stat()
			ofi, _ := of.Stat()
			if err != nil || fi.Mode() != ofi.Mode() {
				t.Errorf("%s Stat: %v %v, os has %v", name, fi, err, ofi.Mode())
			}
			f.Close()
			of.Close()
		}
	})
}

// handleStillOpen reports whether the descriptor h still names the file at path.
func handleStillOpen(h uintptr, path string) bool { return fdOpen(h, path) }
