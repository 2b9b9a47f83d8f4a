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

	n = 2
	if err := Check(before, 50*time.Millisecond, counter); err == nil || !strings.Contains(err.Error(), "2 widgets (was 0)") {
		t.Errorf("a counter that grew: %v", err)
	}
	n = 0
	if err := Check(before, 5*time.Second, counter); err != nil {
		t.Errorf("after the leaks were mended: %v", err)
	}
}
