package ovio_test

import (
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestColdRead10000 is issue 8's "10 000 goroutines reading at once work": a file evicted from
// the page cache, and 10 000 goroutines each reading a different 4 KiB page of it through
// File.ReadAt at once. Every read must succeed with the page's data. os.File would need an OS
// thread per waiting goroutine, at the runtime's default limit of 10 000; the peak of the
// process's threads, and of io_uring's kernel workers (iou-wrk, threads of this process too),
// is logged, not asserted: it depends on the kernel and the device.
func TestColdRead10000(t *testing.T) {
	const goroutines, page = 10_000, 4096
	name := filepath.Join(t.TempDir(), "cold")
	of, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer of.Close()
	// Page i holds i in every 8 bytes, so that a read of the wrong page, or of nothing, shows.
	chunk := make([]byte, 256*page)
	for base := 0; base < goroutines; base += 256 {
		for i := range chunk {
			if i%8 == 0 {
				binary.LittleEndian.PutUint64(chunk[i:], uint64(base+i/page))
			}
		}
		n := min(256, goroutines-base)
		if _, err := of.WriteAt(chunk[:n*page], int64(base)*page); err != nil {
			t.Fatal(err)
		}
	}
	// Dirty pages are out of FADV_DONTNEED's reach until written back.
	if err := of.Sync(); err != nil {
		t.Fatal(err)
	}
	size := int64(goroutines) * page

	for _, kind := range []string{"io_uring", "blocking"} {
		t.Run(kind, func(t *testing.T) {
			if err := unix.Fadvise(int(of.Fd()), 0, size, unix.FADV_DONTNEED); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s of %d pages in the page cache after FADV_DONTNEED", residentPages(name), goroutines)

			e := openEngine(t, kind, nil)
			f, err := e.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			// No readahead: each read waits for its own page, not one a neighbour's brought in.
			if err := unix.Fadvise(int(f.Fd()), 0, size, unix.FADV_RANDOM); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()

			stop := make(chan struct{})
			var peakThreads, peakWorkers atomic.Int64
			sampled := make(chan struct{})
			go func() {
				defer close(sampled)
				for {
					if n := int64(threads()); n > peakThreads.Load() {
						peakThreads.Store(n)
					}
					if n := int64(uringWorkers()); n > peakWorkers.Load() {
						peakWorkers.Store(n)
					}
					select {
					case <-stop:
						return
					case <-time.After(time.Millisecond):
					}
				}
			}()
			threads0 := threads()

			var wg sync.WaitGroup
			var failed atomic.Int64
			start := make(chan struct{})
			bufs := make([]byte, goroutines*page)
			for i := 0; i < goroutines; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					buf := bufs[i*page : (i+1)*page]
					<-start
					n, err := f.ReadAtContext(ctx, buf, int64(i)*page)
					if err != nil || n != page {
						if failed.Add(1) <= 10 {
							t.Errorf("page %d: %d bytes, %v", i, n, err)
						}
						return
					}
					for j := 0; j < page; j += 8 {
						if v := binary.LittleEndian.Uint64(buf[j:]); v != uint64(i) {
							if failed.Add(1) <= 10 {
								t.Errorf("page %d holds %d at byte %d", i, v, j)
							}
							return
						}
					}
				}(i)
			}
			t0 := time.Now()
			close(start)
			wg.Wait()
			close(stop)
			<-sampled
			if failed.Load() > 0 {
				t.Errorf("%d of %d reads failed", failed.Load(), goroutines)
			}
			t.Logf("%d reads of uncached pages in %v: OS threads %d before, peak %d; peak io_uring workers (iou-wrk) %d",
				goroutines, time.Since(t0).Round(time.Millisecond), threads0, peakThreads.Load(), peakWorkers.Load())
			// Not a thread per waiting read: a generous bound, far below the goroutines, that
			// leaves room for the runtime's threads, the blocking engine's Config.Workers and
			// io-wq's bounded workers (at most 4 per CPU per ring by default).
			if limit := int64(1000 + 8*runtime.NumCPU()); peakThreads.Load() > limit {
				t.Errorf("%d OS threads for %d waiting reads, want at most %d", peakThreads.Load(), goroutines, limit)
			}
		})
	}
}

// residentPages says how many of the file's pages are in the page cache, from util-linux's
// fincore if it is installed (x/sys has no mincore, and unsafe stays in the engine's packages).
func residentPages(name string) string {
	out, err := exec.Command("fincore", "--noheadings", "--output", "PAGES", name).Output()
	if err != nil {
		return "an unknown number (no fincore)"
	}
	return strings.TrimSpace(string(out))
}

// uringWorkers counts this process's io_uring workers: threads named iou-wrk-*.
func uringWorkers() int {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return 0
	}
	n := 0
	for _, task := range tasks {
		comm, _ := os.ReadFile("/proc/self/task/" + task.Name() + "/comm")
		if strings.HasPrefix(string(comm), "iou-wrk") {
			n++
		}
	}
	return n
}
