//go:build unix

package ovio_test

// What only the blocking engine has: a bounded pool, a queue whose cancelled ops never run, and
// system calls that, once running, cannot be interrupted.

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/ovio/ovio"
	"golang.org/x/sys/unix"
)

// mkfifo makes a FIFO: opening it for reading blocks in the kernel until a writer comes, out of a
// cancel's reach, which holds a worker for as long as a test wants.
func mkfifo(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fifo")
	if err := unix.Mkfifo(path, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	return path
}

// openWriter opens the FIFO for writing without blocking: ENXIO while no reader has it open.
func openWriter(path string) (int, error) {
	return unix.Open(path, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
}

// release opens the FIFO for writing once its reader is there, which lets the reader's open
// complete, and returns the writer's descriptor.
func release(t *testing.T, path string) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		w, err := openWriter(path)
		if err == nil {
			t.Cleanup(func() { unix.Close(w) })
			return w
		}
		if err != unix.ENXIO || time.Now().After(deadline) {
			t.Fatalf("open %s for writing: %v", path, err)
		}
		time.Sleep(time.Millisecond)
	}
}

// holdWorker starts an open of a FIFO, which holds a worker in the kernel until release.
func holdWorker(t *testing.T, e *ovio.Engine) (string, *ovio.Op) {
	t.Helper()
	path := mkfifo(t)
	f := e.Start(context.Background(), ovio.Openat(unix.AT_FDCWD, path, os.O_RDONLY, 0))
	return path, f
}

// closeResult closes the descriptor an Openat returned.
func closeResult(t *testing.T, f *ovio.Op) {
	t.Helper()
	fd, err := f.Result()
	if err != nil {
		t.Fatalf("the open that held a worker: %v", err)
	}
	unix.Close(fd)
}

// TestBlockingQueuedCancelNeverRuns cancels a write that waits in the queue behind an op that
// holds the only worker: the write ends with ECANCELED and the file is untouched; Close does the
// same with ErrClosed as the cause.
func TestBlockingQueuedCancelNeverRuns(t *testing.T) {
	e := openEngine(t, "blocking", &ovio.Config{Workers: 1})
	h := tempFile(t, e)
	ctx := context.Background()
	path, held := holdWorker(t, e)
	waitInFlight(t, e, 1)
	time.Sleep(20 * time.Millisecond) // into openat
	write := e.Start(ctx, ovio.WriteAt(h, []byte("never"), 0))
	time.Sleep(5 * time.Millisecond)
	write.Cancel()
	n, err := write.Result()
	checkCanceled(t, n, err, context.Canceled)
	release(t, path)
	closeResult(t, held)
	var st syscall.Stat_t
	if err := syscall.Fstat(h, &st); err != nil || st.Size != 0 {
		t.Fatalf("the cancelled write ran: the file has %d bytes (%v)", st.Size, err)
	}

	e2, err := ovio.Open(&ovio.Config{Kind: "blocking", Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	path, held = holdWorker(t, e2)
	waitInFlight(t, e2, 1)
	time.Sleep(20 * time.Millisecond) // into openat: Close would cancel it in the queue
	write = e2.Start(ctx, ovio.WriteAt(h, []byte("never"), 0))
	waitInFlight(t, e2, 2)
	closed := make(chan error)
	go func() { closed <- e2.Close() }()
	n, err = write.Result()
	checkCanceled(t, n, err, ovio.ErrClosed)
	release(t, path)
	closeResult(t, held) // it was in the kernel: it finished
	if err := <-closed; err != nil {
		t.Fatal(err)
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

// TestBlockingWorkersBounded holds both workers of an engine in the kernel: a third op waits in
// the queue, and runs when one of them is released.
func TestBlockingWorkersBounded(t *testing.T) {
	e := openEngine(t, "blocking", &ovio.Config{Workers: 2})
	var paths []string
	var helds []*ovio.Op
	for i := 0; i < 3; i++ {
		p, f := holdWorker(t, e)
		paths, helds = append(paths, p), append(helds, f)
	}
	waitInFlight(t, e, 3)
	// The first two took the two workers, in order; the third waits in the queue, so its FIFO
	// has no reader (probing the others would release them).
	time.Sleep(20 * time.Millisecond)
	if w, err := openWriter(paths[2]); err == nil {
		unix.Close(w)
		t.Fatal("a third op ran on an engine of two workers, both held in the kernel")
	}
	release(t, paths[0])
	closeResult(t, helds[0])
	release(t, paths[2]) // its op got the freed worker
	closeResult(t, helds[2])
	release(t, paths[1])
	closeResult(t, helds[1])
}

// TestBlockingParkedReadsHoldNoWorker starts many more pending reads than workers, on as many
// pipes: they wait in the poller, so file I/O still runs, and a read whose pipe is fed completes
// whatever its place.
func TestBlockingParkedReadsHoldNoWorker(t *testing.T) {
	e := openEngine(t, "blocking", &ovio.Config{Workers: 1})
	ctx := context.Background()
	var ps []*pending
	var fs []*ovio.Op
	for i := 0; i < 50; i++ {
		p := newPending(t, e)
		ps = append(ps, p)
		fs = append(fs, e.Start(ctx, p.read(make([]byte, 4))))
	}
	waitInFlight(t, e, 50)
	h := tempFile(t, e)
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if n, err := e.Do(wctx, ovio.WriteAt(h, []byte("through"), 0)); n != 7 || err != nil {
		t.Fatalf("a write while 50 reads wait: %d, %v", n, err)
	}
	ps[37].feed([]byte("37"))
	if n, err := fs[37].Result(); n != 2 || err != nil {
		t.Fatalf("the fed read: %d, %v", n, err)
	}
	for i, f := range fs {
		if i == 37 {
			continue
		}
		select {
		case <-f.Done():
			t.Fatalf("read %d completed without data", i)
		default:
		}
		if i%2 == 0 {
			ps[i].feed([]byte("x"))
		} else {
			f.Cancel()
		}
	}
	for i, f := range fs {
		n, err := f.Result()
		switch {
		case i == 37:
		case i%2 == 0 && (n != 1 || err != nil):
			t.Errorf("read %d, fed: %d, %v", i, n, err)
		case i%2 == 1 && !errors.Is(err, context.Canceled):
			t.Errorf("read %d, cancelled: %d, %v", i, n, err)
		}
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

// TestBlockingConfig: Engine.Config of the blocking engine, on every system: its own settings
// with their defaults, the io_uring engine's zeroed.
func TestBlockingConfig(t *testing.T) {
	e, err := ovio.Open(&ovio.Config{Kind: "blocking", Entries: 64, SingleIssuer: true, CoopTaskrun: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	// The defaults Config's documentation gives.
	want := ovio.Config{Kind: "blocking", MaxInFlight: 65536, Workers: max(4, 4*runtime.GOMAXPROCS(0))}
	if got := e.Config(); got != want {
		t.Errorf("Config() = %+v, want %+v", got, want)
	}
}
