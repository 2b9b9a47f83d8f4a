//go:build unix

package ovio

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"
)

// TestBlockingIdleWorkersExit checks that workers start for a burst of ops and exit once idle,
// without Close: an idle engine holds no goroutine.
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
	for round := 0; round < 2; round++ { // the pool grows again after it emptied
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
		deadline := time.Now().Add(5 * time.Second)
		for workers() > 0 {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: %d workers still there long after their idle timeout", round, workers())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}
