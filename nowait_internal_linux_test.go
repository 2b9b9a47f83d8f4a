package ovio

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestNowaitColdSkips checks that a descriptor whose non-blocking attempts keep failing (its
// pages are not cached) stops making them, but for one probe in nowaitProbeEvery, and that a
// probe that succeeds makes it try every time again.
func TestNowaitColdSkips(t *testing.T) {
	const page, pages = 4096, 256
	name := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(name, make([]byte, pages*page), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := Handle(f.Fd())
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	// No readahead, so that each page is cold until read on its own.
	unix.Fadvise(int(h), 0, 0, unix.FADV_RANDOM)
	if err := unix.Fadvise(int(h), 0, 0, unix.FADV_DONTNEED); err != nil {
		t.Fatal(err)
	}
	slot := &nowaitMisses[uint32(h)%nowaitSlots].n
	slot.Store(0)
	buf := make([]byte, page)

	// Cold pages, one after another: the first attempts fail with EAGAIN, and count.
	next := 1
	for i := 0; i < nowaitColdAfter; i++ {
		n, err, done := tryNowait(opRead, h, buf, int64(next)*page)
		next += 2
		if noNowait.Load() {
			t.Skip("no preadv2 with RWF_NOWAIT on this kernel")
		}
		if done || n != 0 || err != nil {
			t.Skipf("attempt %d at an evicted page answered (%d, %v): the file system keeps it cached", i, n, err)
		}
	}
	if m := slot.Load(); m != nowaitColdAfter {
		t.Fatalf("after %d misses the slot counts %d", nowaitColdAfter, m)
	}

	// Page 0 cached: an attempt would answer it. Skipped ones do not, until the probe.
	if _, err := syscall.Pread(int(h), buf, 0); err != nil {
		t.Fatal(err)
	}
	calls := 0
	for {
		calls++
		n, err, done := tryNowait(opRead, h, buf, 0)
		if done {
			if n != page || err != nil {
				t.Fatalf("the probe: %d, %v", n, err)
			}
			break
		}
		if calls > nowaitProbeEvery {
			t.Fatalf("%d attempts on a cold descriptor and no probe", calls)
		}
	}
	if calls == 1 {
		t.Errorf("a descriptor cold of late still tries at once")
	}
	// Warm again: every attempt is made.
	if m := slot.Load(); m != 0 {
		t.Errorf("after a probe that answered the slot counts %d", m)
	}
	if n, err, done := tryNowait(opRead, h, buf, 0); !done || n != page || err != nil {
		t.Errorf("a warm descriptor's attempt: %d, %v, %v", n, err, done)
	}
}
