package ovio_test

// Benchmarks, each beside its reference in the same run: a raw io_uring loop written with the
// same ring code (internal/uring) and no Go synchronisation, and os.File. Speed is reported, never
// asserted. BENCHMARKS.md has the figures and the commands.

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ovio/ovio"
	"github.com/ovio/ovio/internal/uring"
)

// rawNop submits n NOPs per io_uring_enter, reaps them, and repeats: the kernel's cost with
// nothing of ovio around it.
func rawNop(b *testing.B, batch int) {
	r, err := uring.New(uring.Config{Entries: 256, CQEntries: 1024})
	if err != nil {
		b.Skipf("io_uring: %v", err)
	}
	defer r.Close()
	b.ReportAllocs()
	b.ResetTimer()
	tail := r.SQTail()
	for i := 0; i < b.N; i += batch {
		for j := 0; j < batch; j++ {
			sqe := r.SQE(tail)
			*sqe = uring.SQE{}
			sqe.PrepNop()
			sqe.UserData = uint64(j)
			tail++
		}
		r.SetSQTail(tail)
		if _, err := r.Enter(uint32(batch), 0, 0); err != nil {
			b.Fatal(err)
		}
		head, ctail := r.CQHead(), r.CQTail()
		for ; head != ctail; head++ {
			if c := r.CQE(head); c.Res != 0 {
				b.Fatal(c.Res)
			}
		}
		r.SetCQHead(head)
	}
}

func BenchmarkNop(b *testing.B) {
	b.Run("raw", func(b *testing.B) { rawNop(b, 1) })
	for _, kind := range []string{"ovio", "blocking"} {
		b.Run(kind, func(b *testing.B) {
			e := openEngine(b, strings.TrimPrefix(kind, "ovio"), nil)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := e.Do(ctx, ovio.Nop()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// A Timeout of 0 is the blocking engine's shortest round trip through another goroutine (a
	// timer's); a Nop completes inline there.
	b.Run("blocking/timeout0", func(b *testing.B) {
		e := openEngine(b, "blocking", nil)
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := e.Do(ctx, ovio.Timeout(0)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkNopBatch64(b *testing.B) {
	b.Run("raw", func(b *testing.B) { rawNop(b, 64) })
	b.Run("ovio", func(b *testing.B) {
		e := openEngine(b, "", nil)
		ctx := context.Background()
		reqs := make([]ovio.Request, 64)
		for i := range reqs {
			reqs[i] = ovio.Nop()
		}
		results := make([]ovio.Result, 64)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i += 64 {
			if err := e.DoBatch(ctx, reqs, results); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchFile returns a file of OVIO_BENCH_SIZE bytes (default 256 MiB), read once so that it sits
// in the page cache.
func benchFile(b *testing.B) (*os.File, int64) {
	size := int64(256 << 20)
	if s := os.Getenv("OVIO_BENCH_SIZE"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			b.Fatalf("OVIO_BENCH_SIZE: %v", err)
		}
		size = n
	}
	f, err := os.Create(filepath.Join(b.TempDir(), "bench"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	chunk := make([]byte, 1<<20)
	for i := range chunk {
		chunk[i] = byte(i)
	}
	for off := int64(0); off < size; off += int64(len(chunk)) {
		if _, err := f.WriteAt(chunk[:min(int64(len(chunk)), size-off)], off); err != nil {
			b.Fatal(err)
		}
	}
	// Read it all back so that every page is cached.
	for off := int64(0); off < size; off += int64(len(chunk)) {
		f.ReadAt(chunk, off)
	}
	return f, size
}

// threads returns the OS threads of this process now.
func threads() int {
	s, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(s), "\n") {
		if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}

// sampleThreads records the most OS threads seen until the returned function is called, which
// reports it as the benchmark's "threads" metric.
func sampleThreads(b *testing.B) func() {
	var peak atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			if n := int64(threads()); n > peak.Load() {
				peak.Store(n)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		close(stop)
		<-done
		b.ReportMetric(float64(peak.Load()), "threads")
	}
}

// BenchmarkReadAt4K reads 4 KiB at random aligned offsets of a page-cached file, from one and
// from 256 goroutines, with ovio's default engine, with its blocking engine and with
// os.File.ReadAt.
func BenchmarkReadAt4K(b *testing.B) {
	f, size := benchFile(b)
	pages := size / 4096
	type reader func(buf []byte, off int64) error
	e := openEngine(b, "", nil)
	blocking := openEngine(b, "blocking", nil)
	ctx := context.Background()
	readers := []struct {
		name string
		read reader
	}{
		{"os", func(buf []byte, off int64) error { _, err := f.ReadAt(buf, off); return err }},
		{"ovio", func(buf []byte, off int64) error {
			_, err := e.Do(ctx, ovio.ReadAt(ovio.Handle(f.Fd()), buf, off))
			return err
		}},
		{"blocking", func(buf []byte, off int64) error {
			_, err := blocking.Do(ctx, ovio.ReadAt(ovio.Handle(f.Fd()), buf, off))
			return err
		}},
	}
	for _, g := range []int{1, 256} {
		for _, r := range readers {
			b.Run(r.name+"/g"+strconv.Itoa(g), func(b *testing.B) {
				b.SetBytes(4096)
				b.ReportAllocs()
				report := sampleThreads(b)
				defer report()
				if g == 1 {
					buf := make([]byte, 4096)
					rng := rand.New(rand.NewPCG(1, 2))
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						if err := r.read(buf, rng.Int64N(pages)*4096); err != nil {
							b.Fatal(err)
						}
					}
					return
				}
				b.SetParallelism(max(1, g/runtime.GOMAXPROCS(0)))
				var seed atomic.Uint64
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					buf := make([]byte, 4096)
					rng := rand.New(rand.NewPCG(seed.Add(1), 2))
					for pb.Next() {
						if err := r.read(buf, rng.Int64N(pages)*4096); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		}
	}
}
