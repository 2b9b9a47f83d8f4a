//go:build unix

package ovio

import (
	"context"
	"errors"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestBlockingIdleWorkersExit checks that workers start for a burst of ops and exit once idle,
// without Close, and the poller too: an idle engine holds no goroutine.
func TestBlockingIdleWorkersExit(t *testing.T) {
	e, err := Open(&Config{Kind: "blocking", Workers: 8})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	d := e.drv.(*blockingDriver)
	d.idleFor = 20 * time.Millisecond // before any worker reads it
	workers := func() int {
		d.mu.Lock()
		defer d.mu.Unlock()
		return len(d.workers)
	}
	f, err := os.CreateTemp(t.TempDir(), "idle")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Write(make([]byte, 4096))
	polling := func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		return d.polling
	}
	var p [2]int
	if err := syscall.Pipe(p[:]); err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(p[0])
	defer syscall.Close(p[1])
	for round := 0; round < 2; round++ { // the pool grows again after it emptied
		parked := e.Start(context.Background(), Read(p[0], make([]byte, 1)))
		var wg sync.WaitGroup
		for g := 0; g < 32; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				buf := make([]byte, 512)
				for i := 0; i < 50; i++ {
					if _, err := e.Do(context.Background(), ReadAt(Handle(f.Fd()), buf, int64(i%8)*512)); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		if n := workers(); n == 0 || n > 8 {
			t.Errorf("round %d: %d workers after a burst, want 1 to 8", round, n)
		}
		for deadline := time.Now().Add(5 * time.Second); !polling(); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: a read waits for a pipe, and no poller runs", round)
			}
		}
		syscall.Write(p[1], []byte("x"))
		if n, err := parked.Result(); n != 1 || err != nil {
			t.Fatalf("round %d: the parked read: %d, %v", round, n, err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for workers() > 0 || polling() {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: %d workers (poller: %v) still there long after their idle timeout", round, workers(), polling())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// TestBlockingPollPath runs pending reads and writes through the path the other Unixes take
// (poll, then the plain call), which Linux skips for RWF_NOWAIT: data, cancels, full pipes,
// empty reads, both descriptor modes.
func TestBlockingPollPath(t *testing.T) {
	e, err := Open(&Config{Kind: "blocking", Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	e.drv.(*blockingDriver).pollOnly = true
	for _, nonblocking := range []bool{false, true} {
		var p [2]int
		if err := syscall.Pipe(p[:]); err != nil {
			t.Fatal(err)
		}
		defer syscall.Close(p[0])
		defer syscall.Close(p[1])
		syscall.SetNonblock(p[0], nonblocking)
		syscall.SetNonblock(p[1], nonblocking)
		ctx := context.Background()

		// A pending read gets the data that comes.
		buf := make([]byte, 8)
		f := e.Start(ctx, Read(p[0], buf))
		time.Sleep(5 * time.Millisecond)
		syscall.Write(p[1], []byte("data"))
		if n, err := f.Result(); n != 4 || err != nil || string(buf[:4]) != "data" {
			t.Fatalf("pending read: %d, %v", n, err)
		}
		// A cancel ends it with nothing read. (A run whose deadline passed before Do began is
		// refused, not cancelled: on a loaded machine, again.)
		var n int
		var err error
		for try := 0; try < 20; try++ {
			cctx, cancel := context.WithTimeout(ctx, 5*time.Millisecond)
			n, err = e.Do(cctx, Read(p[0], buf))
			cancel()
			if oe, ok := err.(*OpError); !ok || oe.Err != context.DeadlineExceeded {
				break
			}
		}
		if !errors.Is(err, syscall.ECANCELED) || !errors.Is(err, context.DeadlineExceeded) || n != 0 {
			t.Fatalf("cancelled pending read: %d, %v", n, err)
		}
		// Moving nothing does not wait.
		if n, err := e.Do(ctx, Readv(p[0], [][]byte{nil}, 0)); n != 0 || err != nil {
			t.Fatalf("empty read of an empty pipe: %d, %v", n, err)
		}
		// Many readers of one pipe, fed less than they ask: the fed ones complete, the others
		// are cancelled, none is stuck.
		var futs []*Op
		for i := 0; i < 8; i++ {
			futs = append(futs, e.Start(ctx, Read(p[0], make([]byte, 1))))
		}
		time.Sleep(5 * time.Millisecond)
		syscall.Write(p[1], []byte("xyz"))
		time.Sleep(5 * time.Millisecond)
		for _, f := range futs {
			f.Cancel()
		}
		if !nonblocking {
			// In blocking mode a reader that lost the race for the data blocks in read(2), out
			// of a cancel's reach, until more comes: the reason Linux reads with RWF_NOWAIT.
			syscall.Write(p[1], make([]byte, len(futs)))
		}
		got := 0
		for _, f := range futs {
			n, err := f.Result()
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Fatal(err)
			}
			got += n
		}
		if !nonblocking {
			syscall.SetNonblock(p[0], true)
			var drain [64]byte
			syscall.Read(p[0], drain[:])
			continue
		}
		if got != 3 {
			t.Fatalf("the readers got %d bytes of 3", got)
		}
		// A write to a full pipe waits, and a cancel ends it.
		syscall.SetNonblock(p[1], true)
		for {
			if _, err := syscall.Write(p[1], make([]byte, 4096)); err != nil {
				break
			}
		}
		syscall.SetNonblock(p[1], nonblocking)
		cctx, cancel := context.WithTimeout(ctx, 5*time.Millisecond)
		_, err = e.Do(cctx, Write(p[1], []byte("more")))
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("write to a full pipe: %v", err)
		}
	}
}
