package ovio_test

// Fuzz targets for the argument checks: whatever a caller passes, an op is refused with an
// *OpError or runs, safely, and returns; nothing panics and nothing is left in flight. The
// targets only name what is safe to touch: writes go to /dev/null or to descriptors open for
// reading only, opens use O_PATH (which opens no device), and nothing is closed but what an
// open returned. go test -fuzz FuzzRequest runs one; .ci/test runs each briefly.

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/ovio/ovio"
	"github.com/ovio/ovio/internal/uring"
	"golang.org/x/sys/unix"
)

// fuzzEngine opens an engine for a fuzz target, and the handles it may use.
func fuzzEngine(f *testing.F) (*ovio.Engine, []ovio.Handle) {
	e, err := ovio.Open(&ovio.Config{Kind: "io_uring"})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { e.Close() })
	hs := []ovio.Handle{-1, math.MaxInt32, unix.AT_FDCWD}
	for _, p := range []struct {
		path string
		flag int
	}{{os.DevNull, os.O_RDWR}, {"/dev/zero", os.O_RDONLY}, {os.Args[0], os.O_RDONLY}, {f.TempDir(), os.O_RDONLY}} {
		file, err := os.OpenFile(p.path, p.flag, 0)
		if err != nil {
			f.Fatal(err)
		}
		f.Cleanup(func() { file.Close() })
		hs = append(hs, ovio.Handle(file.Fd()))
	}
	return e, hs
}

// checkOutcome checks what any op must give: an *OpError or success, and nothing in flight.
func checkOutcome(t *testing.T, e *ovio.Engine, what string, err error) {
	t.Helper()
	var oe *ovio.OpError
	if err != nil && !errors.As(err, &oe) {
		t.Fatalf("%s: error %v (%T) is not an *ovio.OpError", what, err, err)
	}
	if s := e.Stats(); s.InFlight != 0 || s.Ignored != 0 {
		t.Fatalf("%s: after it returned: %+v", what, s)
	}
}

func FuzzRequest(f *testing.F) {
	e, hs := fuzzEngine(f)
	f.Add(uint8(0), uint8(3), int64(0), int64(16), uint32(0), uint32(0), "x", uint16(4))
	f.Add(uint8(1), uint8(3), int64(-1), int64(-5), uint32(1), uint32(0), "", uint16(0))
	f.Add(uint8(2), uint8(4), int64(math.MaxInt64), int64(1), uint32(0), uint32(0), "", uint16(1025))
	f.Add(uint8(4), uint8(2), int64(0), int64(0), uint32(unix.O_DIRECTORY), uint32(0), "/etc/../tmp", uint16(0))
	f.Add(uint8(5), uint8(2), int64(0), int64(0), uint32(unix.AT_SYMLINK_NOFOLLOW), uint32(unix.STATX_ALL), "a\x00b", uint16(0))
	f.Add(uint8(6), uint8(5), int64(1<<40), int64(1<<40), uint32(0), uint32(unix.FALLOC_FL_PUNCH_HOLE), "", uint16(0))
	f.Add(uint8(8), uint8(0), int64(-1), int64(1), uint32(0), uint32(0), "", uint16(0))
	f.Fuzz(func(t *testing.T, kind, hi uint8, off, length int64, flags, mode uint32, path string, n uint16) {
		h := hs[int(hi)%len(hs)]
		size := int(n) % 4096
		var r ovio.Request
		var what string
		switch kind % 9 {
		case 0:
			what, r = "ReadAt", ovio.ReadAt(h, make([]byte, size), off)
		case 1:
			if h != hs[3] { // writes go to /dev/null, or fail on a read-only descriptor
				h = hs[int(hi)%2+4]
			}
			what, r = "WriteAt", ovio.WriteAt(h, make([]byte, size), off)
		case 2, 3:
			bufs := make([][]byte, int(n)%1100) // beyond IOV_MAX too
			for i := range bufs {
				bufs[i] = make([]byte, (int(length)+i)&63)
			}
			if kind%9 == 2 {
				what, r = "Readv", ovio.Readv(h, bufs, off)
			} else {
				if h != hs[3] {
					h = hs[int(hi)%2+4]
				}
				what, r = "Writev", ovio.Writev(h, bufs, off)
			}
		case 4:
			// O_PATH opens no device and reads nothing; only its companions are fuzzed.
			fl := int(flags)&(unix.O_DIRECTORY|unix.O_NOFOLLOW) | unix.O_PATH
			what, r = "Openat", ovio.Openat(h, path, fl, mode)
		case 5:
			var st unix.Statx_t
			what, r = "Statx", ovio.Statx(h, path, int(flags), int(mode), &st)
		case 6:
			if h != hs[3] {
				h = hs[int(hi)%3+4] // /dev/zero, the test binary, the directory: read-only
			}
			what, r = "Fallocate", ovio.Fallocate(h, mode, off, length)
		case 7:
			what, r = "Fsync", ovio.Fsync(h)
		case 8:
			what, r = "Read", ovio.Read(h, make([]byte, size))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		res, err := e.Do(ctx, r)
		if kind%9 == 4 && err == nil {
			unix.Close(res)
		}
		checkOutcome(t, e, what, err)
	})
}

// FuzzPrep fuzzes what a Prep request keeps and the flags and opcode its SQE carries, on a NOP:
// keep values that are not pointers or slices are refused, link flags are refused, an opcode the
// kernel lacks is refused with ErrNotSupported, and the rest runs.
func FuzzPrep(f *testing.F) {
	e, _ := fuzzEngine(f)
	f.Add(uint8(0), uint8(0), uint8(0), uint8(3))
	f.Add(uint8(uring.SQEIOLink), uint8(0), uint8(4), uint8(1))
	f.Add(uint8(uring.SQEAsync), uint8(250), uint8(7), uint8(2))
	f.Fuzz(func(t *testing.T, sqeFlags, opcode, keepKind, nkeep uint8) {
		keeps := []any{nil, new(int), []byte{}, []byte("x"), 42, "str", map[int]int{}, func() {}, make(chan int),
			[]int{1}, &struct{}{}, struct{}{}, (*int)(nil), [][]byte{{1}}}
		var keep []any
		for i := 0; i < int(nkeep%4); i++ {
			keep = append(keep, keeps[(int(keepKind)+i)%len(keeps)])
		}
		op := uint8(uring.OpNop)
		if opcode >= 200 { // an opcode no kernel has: only NOPs and those reach the ring
			op = opcode
		}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := e.Do(ctx, ovio.Prep(func(sqe *ovio.SQE) {
			sqe.PrepNop()
			sqe.Opcode = op
			sqe.Flags = sqeFlags &^ (uring.SQEFixedFile | uring.SQEBufferSelect)
		}, keep...))
		checkOutcome(t, e, "Prep", err)
	})
}

// FuzzLifecycle drives the lifecycle with a script: the fuzzer's bytes start pending reads and
// NOPs, feed, cancel, and close the engine at a point of its choosing. Every op must end exactly
// once: every future is done within a time limit, and every byte fed is read once or still there.
// The bytes fed are 1, 2, 3, ... in turn: the reads that report one must have taken the head of
// the stream (each byte of it once, whichever read took which), and the pipe must still hold the
// rest, in order. A read that took a byte and reported an error would lose it.
func FuzzLifecycle(f *testing.F) {
	f.Add([]byte{0, 0, 1, 2, 3, 4})
	f.Add([]byte{0, 3, 0, 2, 1, 5, 0})
	f.Add([]byte{4, 0, 0, 0, 3, 3, 1, 1})
	f.Fuzz(func(t *testing.T, script []byte) {
		if len(script) > 64 {
			script = script[:64]
		}
		e, err := ovio.Open(&ovio.Config{Kind: "io_uring", Entries: 4})
		if err != nil {
			t.Fatal(err)
		}
		p := newPending(t, e)
		var futs []*ovio.Op
		var bufs [][]byte // each future's buffer (nil for a NOP)
		read1 := func(ctx context.Context) {
			buf := make([]byte, 1)
			futs = append(futs, e.Start(ctx, p.read(buf)))
			bufs = append(bufs, buf)
		}
		fed, closed := 0, false
		for _, b := range script {
			switch b % 6 {
			case 0:
				read1(context.Background())
			case 1:
				if !closed {
					fed++
					p.feed([]byte{byte(fed)})
				}
			case 2:
				if len(futs) > 0 {
					futs[int(b/6)%len(futs)].Cancel()
				}
			case 3:
				ctx, cancel := context.WithCancel(context.Background())
				f := e.Start(ctx, ovio.Nop())
				if b&64 != 0 {
					cancel()
				}
				futs = append(futs, f)
				bufs = append(bufs, nil)
				defer cancel()
			case 4:
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration(b/6)*time.Microsecond)
				read1(ctx)
				defer cancel()
			case 5:
				closeWithinT(t, e)
				closed = true
			}
		}
		if !closed {
			closeWithinT(t, e) // ends what is still pending: Close cancels it
		}
		var got []byte // the bytes the reads report
		for i, f := range futs {
			select {
			case <-f.Done():
			case <-time.After(10 * time.Second):
				t.Fatalf("op %d never completed", i)
			}
			n, err := f.Result()
			var oe *ovio.OpError
			if err != nil && !errors.As(err, &oe) {
				t.Fatalf("op %d: %v is not an *OpError", i, err)
			}
			if n < 0 || n > len(bufs[i]) {
				t.Fatalf("op %d: %d bytes into a buffer of %d (%v)", i, n, len(bufs[i]), err)
			}
			got = append(got, bufs[i][:n]...)
		}
		// What the pipe still holds: the engine is closed, so read it here, without waiting.
		if err := unix.SetNonblock(p.r, true); err != nil {
			t.Fatal(err)
		}
		var left []byte
		for buf := make([]byte, 128); ; {
			n, err := unix.Read(p.r, buf)
			if err == unix.EINTR {
				continue
			}
			if err == unix.EAGAIN || (err == nil && n == 0) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			left = append(left, buf[:n]...)
		}
		stream := make([]byte, fed)
		for i := range stream {
			stream[i] = byte(i + 1)
		}
		slices.Sort(got)
		if len(got)+len(left) != fed || !bytes.Equal(got, stream[:len(got)]) || !bytes.Equal(left, stream[len(got):]) {
			t.Fatalf("fed %v; the reads report %v (sorted), the pipe holds %v", stream, got, left)
		}
		if s := e.Stats(); s.InFlight != 0 || s.Ignored != 0 {
			t.Fatalf("after Close: %+v", s)
		}
	})
}

func closeWithinT(t *testing.T, e *ovio.Engine) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- e.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Close hangs")
	}
}
