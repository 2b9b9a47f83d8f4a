package leakcheck

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) { Main(m) }

// TestCheckSeesLeaks makes each kind of leak and checks that Check reports it, then that it
// passes once the leak is mended: the check in every TestMain cannot pass vacuously.
func TestCheckSeesLeaks(t *testing.T) {
	var n int
	counter := Counter{Name: "widgets", Count: func() int { return n }}
	before := Take(counter)

	stop := make(chan struct{})
	go func() { <-stop }()
	if err := Check(before, 50*time.Millisecond, counter); err == nil || !strings.Contains(err.Error(), "goroutines") {
		t.Errorf("a leaked goroutine: %v", err)
	}
	close(stop)

	if before.FDs >= 0 {
		f, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
		if err := Check(before, 50*time.Millisecond, counter); err == nil || !strings.Contains(err.Error(), "file descriptors") {
			t.Errorf("a leaked file: %v", err)
		}
		f.Close()
	}

	// A descriptor numbered past the hundreds a test may hold open: the check once skipped those
	// (fd 250 and up) under -race.
	if before.FDs >= 0 {
		files := make([]*os.File, 0, 300)
		for range cap(files) {
			f, err := os.Open(os.DevNull)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
		last := files[len(files)-1]
		for _, f := range files[:len(files)-1] {
			f.Close()
		}
		if last.Fd() < 300 {
			t.Fatalf("the last of 300 files has descriptor %d", last.Fd())
		}
		if err := Check(before, 50*time.Millisecond, counter); err == nil || !strings.Contains(err.Error(), "1 file descriptors opened since") {
			t.Errorf("a leaked file with descriptor %d: %v", last.Fd(), err)
		}
		last.Close()
	}

	n = 2
	if err := Check(before, 50*time.Millisecond, counter); err == nil || !strings.Contains(err.Error(), "2 widgets (was 0)") {
		t.Errorf("a counter that grew: %v", err)
	}
	n = 0
	if err := Check(before, 5*time.Second, counter); err != nil {
		t.Errorf("after the leaks were mended: %v", err)
	}
}
