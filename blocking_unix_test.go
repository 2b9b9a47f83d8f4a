//go:build unix

package ovio_test

// What only the blocking engine has: a bounded pool, a queue whose cancelled ops never run, and
// system calls that, once running, cannot be interrupted.

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ovio/ovio"
	"golang.org/x/sys/unix"
)

// TestBlockingQueuedCancelNeverRuns cancels a write that waits in the queue behind a read that
// holds the only worker: the write ends with ECANCELED and the file is untouched.
func TestBlockingQueuedCancelNeverRuns(t *testing.T) {
	e := openEngine(t, "blocking", &ovio.Config{Workers: 1})
	p := newPending(t, e)
	h := tempFile(t, e)
	ctx := context.Background()
	read := e.Start(ctx, p.read(make([]byte, 1)))
	waitInFlight(t, e, 1)
	write := e.Start(ctx, ovio.WriteAt(h, []byte("never"), 0))
	time.Sleep(5 * time.Millisecond)
	write.Cancel()
	n, err := write.Result()
	checkCanceled(t, n, err, context.Canceled)
	p.feed([]byte("x"))
	if n, err := read.Result(); n != 1 || err != nil {
		t.Fatalf("the read that held the worker: %d, %v", n, err)
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(h, &st); err != nil || st.Size != 0 {
		t.Fatalf("the cancelled write ran: the file has %d bytes (%v)", st.Size, err)
	}
	// Close cancels what waits in the queue the same way, with ErrClosed as the cause.
	e2, err := ovio.Open(&ovio.Config{Kind: "blocking", Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	read = e2.Start(ctx, p.read(make([]byte, 1)))
	waitInFlight(t, e2, 1)
	write = e2.Start(ctx, ovio.WriteAt(h, []byte("never"), 0))
	waitInFlight(t, e2, 2)
	e2.Close()
	for _, f := range []*ovio.Op{read, write} {
		n, err := f.Result()
		checkCanceled(t, n, err, ovio.ErrClosed)
	}
	if err := syscall.Fstat(h, &st); err != nil || st.Size != 0 {
		t.Fatalf("the write Close cancelled ran: the file has %d bytes (%v)", st.Size, err)
	}
}

// TestBlockingRunningOpFinishes cancels an open of a FIFO, which blocks in the kernel until a
// writer comes and cannot be interrupted: the op finishes when the writer comes and reports
// its descriptor; Close waits for it.
func TestBlockingRunningOpFinishes(t *testing.T) {
	e, err := ovio.Open(&ovio.Config{Kind: "blocking"})
	if err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := e.Start(ctx, ovio.Openat(unix.AT_FDCWD, fifo, os.O_RDONLY, 0))
	waitInFlight(t, e, 1)
	time.Sleep(10 * time.Millisecond) // into openat
	cancel()
	closed := make(chan error)
	go func() { closed <- e.Close() }()
	select {
	case <-f.Done():
		t.Fatal("an open blocked in the kernel ended before its FIFO had a writer")
	case err := <-closed:
		t.Fatalf("Close returned (%v) while an op was in a system call", err)
	case <-time.After(20 * time.Millisecond):
	}
	w, err := unix.Open(fifo, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(w)
	fd, err := f.Result()
	if err != nil || fd < 0 {
		t.Fatalf("the open that was running when cancelled: %d, %v; want its descriptor", fd, err)
	}
	unix.Close(fd)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
}

// TestBlockingWorkersBounded runs pending reads on an engine of two workers: a third read, fed
// first, waits for a worker all the same.
func TestBlockingWorkersBounded(t *testing.T) {
	e := openEngine(t, "blocking", &ovio.Config{Workers: 2})
	ctx := context.Background()
	var ps []*pending
	var fs []*ovio.Op
	for i := 0; i < 3; i++ {
		p := newPending(t, e)
		ps = append(ps, p)
		fs = append(fs, e.Start(ctx, p.read(make([]byte, 1))))
		waitInFlight(t, e, i+1)
		time.Sleep(2 * time.Millisecond) // let a worker take it
	}
	ps[2].feed([]byte("c"))
	select {
	case <-fs[2].Done():
		t.Fatal("a third op ran on an engine of two workers, both busy")
	case <-time.After(20 * time.Millisecond):
	}
	ps[0].feed([]byte("a"))
	for _, i := range []int{0, 2} {
		if n, err := fs[i].Result(); n != 1 || err != nil {
			t.Fatalf("read %d: %d, %v", i, n, err)
		}
	}
	ps[1].feed([]byte("b"))
	if n, err := fs[1].Result(); n != 1 || err != nil {
		t.Fatalf("read 1: %d, %v", n, err)
	}
}

// TestBlockingManyPendingReads starts far more pending reads than workers and cancels them at
// random: every one ends, the cancelled ones without data.
func TestBlockingManyPendingReads(t *testing.T) {
	e := openEngine(t, "blocking", &ovio.Config{Workers: 4})
	p := newPending(t, e)
	var fs []*ovio.Op
	for i := 0; i < 200; i++ {
		fs = append(fs, e.Start(context.Background(), p.read(make([]byte, 1))))
	}
	waitInFlight(t, e, 200)
	for i, f := range fs {
		if i%2 == 0 {
			f.Cancel()
		}
	}
	p.feed(make([]byte, 100))
	got := 0
	for i, f := range fs {
		n, err := f.Result()
		switch {
		case err == nil:
			got += n
		case i%2 == 0 && errors.Is(err, context.Canceled):
		default:
			t.Fatalf("read %d: %d, %v", i, n, err)
		}
	}
	if got != 100 {
		t.Fatalf("the reads got %d bytes of 100", got)
	}
}
