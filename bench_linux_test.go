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
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ovio/ovio"
	"github.com/ovio/ovio/internal/uring"
	"golang.org/x/sys/unix"
)

// rawNop submits n NOPs per io_uring_enter, reaps them, and repeats: the kernel's cost with
// nothing of ovio around it. It submits as the engine does: a raw system call (uring.Ring.Submit).
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
		if _, err := r.Submit(uint32(batch)); err != nil { // as the engine submits NOPs
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
	for _, kind := range []string{"io_uring", "io_uring+issuer", "blocking"} {
		b.Run(benchName(kind), func(b *testing.B) {
			e := openEngine(b, kind, nil)
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
	// A Nop completes inline on the blocking engine; a Timeout of 0 is its shortest round trip
	// through another goroutine (a timer's).
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

// benchName names an engine kind in a benchmark: "ovio" for the default io_uring engine.
func benchName(kind string) string {
	switch kind {
	case "io_uring":
		return "ovio"
	case "io_uring+issuer":
		return "ovio-issuer"
	}
	return kind
}

func BenchmarkNopBatch64(b *testing.B) {
	b.Run("raw", func(b *testing.B) { rawNop(b, 64) })
	b.Run("ovio", func(b *testing.B) {
		e := openEngine(b, "io_uring", nil)
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
	// Written pages stay dirty, and out of reach of FADV_DONTNEED, until written back.
	if err := f.Sync(); err != nil {
		b.Fatal(err)
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
// from 256 goroutines. Its rows: "os", os.File.ReadAt; "ovio", the engine's request as File
// makes it (preadv2 with RWF_NOWAIT in the caller's goroutine, the ring only for what would
// block: here, nothing); "ring", every read through the ring; "blocking" and "pool", the same
// two ways with the blocking engine (the page cache first, then its workers; every read through
// a worker). BenchmarkFileReadAt4K has File.ReadAt itself.
func BenchmarkReadAt4K(b *testing.B) {
	f, size := benchFile(b)
	pages := size / 4096
	e := openEngine(b, "", nil)
	blocking := openEngine(b, "blocking", nil)
	ctx := context.Background()
	readers := []reader4K{
		{"os", func(buf []byte, off int64) error { _, err := f.ReadAt(buf, off); return err }},
		{"ovio", func(buf []byte, off int64) error { // as File reads: the page cache first
			_, err := e.Do(ctx, ovio.ReadAtNowait(ovio.Handle(f.Fd()), buf, off))
			return err
		}},
		{"ring", func(buf []byte, off int64) error { // every read through the ring
			_, err := e.Do(ctx, ovio.ReadAt(ovio.Handle(f.Fd()), buf, off))
			return err
		}},
		{"blocking", func(buf []byte, off int64) error { // the fallback, as File reads
			_, err := blocking.Do(ctx, ovio.ReadAtNowait(ovio.Handle(f.Fd()), buf, off))
			return err
		}},
		{"pool", func(buf []byte, off int64) error { // every read through the fallback's workers
			_, err := blocking.Do(ctx, ovio.ReadAt(ovio.Handle(f.Fd()), buf, off))
			return err
		}},
	}
	runReadAt4K(b, pages, readers)
}

// BenchmarkWriteAt4K writes 4 KiB at random aligned offsets of a page-cached file, from one and
// from 256 goroutines, the same ways as BenchmarkReadAt4K reads: os.File.WriteAt; ovio as File
// writes (a non-blocking attempt first, which buffered ext4 refuses with EOPNOTSUPP, after which
// every write goes to the ring); every write through the ring; the blocking engine as File writes
// and through its workers. The file's pages stay cached; the kernel writes them back meanwhile.
func BenchmarkWriteAt4K(b *testing.B) {
	f, size := benchFile(b)
	pages := size / 4096
	e := openEngine(b, "", nil)
	blocking := openEngine(b, "blocking", nil)
	ctx := context.Background()
	fd := ovio.Handle(f.Fd())
	runReadAt4K(b, pages, []reader4K{
		{"os", func(buf []byte, off int64) error { _, err := f.WriteAt(buf, off); return err }},
		{"ovio", func(buf []byte, off int64) error { // as File writes
			_, err := e.Do(ctx, ovio.WriteAtNowait(fd, buf, off))
			return err
		}},
		{"ring", func(buf []byte, off int64) error {
			_, err := e.Do(ctx, ovio.WriteAt(fd, buf, off))
			return err
		}},
		{"blocking", func(buf []byte, off int64) error {
			_, err := blocking.Do(ctx, ovio.WriteAtNowait(fd, buf, off))
			return err
		}},
		{"pool", func(buf []byte, off int64) error {
			_, err := blocking.Do(ctx, ovio.WriteAt(fd, buf, off))
			return err
		}},
	})
}

// reader4K names one way to read (or write) 4 KiB at an offset, for runReadAt4K.
type reader4K struct {
	name string
	read func(buf []byte, off int64) error
}

// runReadAt4K runs each reader (or writer) at random page-aligned offsets of a file of pages pages, from one
// goroutine and from 256, reporting the peak threads.
func runReadAt4K(b *testing.B, pages int64, readers []reader4K) {
	for _, g := range []int{1, 256} {
		for _, r := range readers {
			b.Run(r.name+"/g"+strconv.Itoa(g), func(b *testing.B) {
				b.SetBytes(4096)
				b.ReportAllocs()
				report := sampleThreads(b)
				defer report()
				// CPU per op beside time per op: on a machine others load, a process with more
				// runnable threads gets more of the CPUs (os.File's reads hand their P to a new
				// thread when slow; ovio's non-blocking attempt does not), so ns/op compares
				// shares of the machine as much as costs.
				cpu0 := cpuTime()
				defer func() { b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/1e3/float64(b.N), "cpu-us/op") }()
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

// BenchmarkColdRead starts many goroutines at once, each reading 4 KiB at a random offset of a
// file just evicted from the page cache, so that every read waits for the device. os.File spends
// an OS thread per waiting goroutine; ovio spends none. Each iteration is one such wave; the
// "threads" metric is the peak count. os.File runs a smaller wave: at ovio's size it would reach
// the runtime's limit of 10 000 threads.
func BenchmarkColdRead(b *testing.B) {
	f, size := benchFile(b)
	fd := ovio.Handle(f.Fd())
	pages := size / 4096
	// No readahead: each read waits for its own page, not one a neighbour's read brought in.
	if err := unix.Fadvise(int(fd), 0, 0, unix.FADV_RANDOM); err != nil {
		b.Fatal(err)
	}
	e := openEngine(b, "", nil)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		wave int
		read func(buf []byte, off int64) error
	}{
		{"os/g1000", 1000, func(buf []byte, off int64) error { _, err := f.ReadAt(buf, off); return err }},
		{"ovio/g1000", 1000, func(buf []byte, off int64) error {
			_, err := e.Do(ctx, ovio.ReadAtNowait(fd, buf, off))
			return err
		}},
		{"ovio/g10000", 10000, func(buf []byte, off int64) error {
			_, err := e.Do(ctx, ovio.ReadAtNowait(fd, buf, off))
			return err
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			report := sampleThreads(b)
			defer report()
			bufs := make([][]byte, c.wave)
			for i := range bufs {
				bufs[i] = make([]byte, 4096)
			}
			b.SetBytes(int64(4096 * c.wave))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				if err := unix.Fadvise(int(fd), 0, size, unix.FADV_DONTNEED); err != nil {
					b.Fatal(err)
				}
				var wg sync.WaitGroup
				start := make(chan struct{})
				for g := 0; g < c.wave; g++ {
					wg.Add(1)
					go func(buf []byte, off int64) {
						defer wg.Done()
						<-start
						if err := c.read(buf, off); err != nil {
							b.Error(err)
						}
					}(bufs[g], rand.Int64N(pages)*4096)
				}
				b.StartTimer()
				close(start)
				wg.Wait()
			}
		})
	}
}

// cpuTime returns the CPU time the process has used, all threads included (io_uring's workers
// are threads of the process).
func cpuTime() time.Duration {
	var ru unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// alignedBuf returns a page-aligned buffer for O_DIRECT, from an anonymous mapping that lives as
// long as the benchmark.
func alignedBuf(b *testing.B, n int) []byte {
	m, err := unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { unix.Munmap(m) })
	return m
}

// BenchmarkDirectRead reads 4 KiB at random offsets with O_DIRECT, so that every read goes to the
// device, from g goroutines at once (g reads in flight), with os.File, with ovio and with its
// blocking engine (at most Config.Workers reads in flight). It reports
// reads per second (iops), CPU per read (cpu-us/op, all threads of the process) and peak threads.
// fio is not in this process: `ovio bench -fio -direct -workload randread -depth 128` runs fio's
// io_uring engine, os.File and ovio.File on one file in one run, for issue 8's comparison.
func BenchmarkDirectRead(b *testing.B) {
	f, size := benchFile(b)
	df, err := os.OpenFile(f.Name(), os.O_RDONLY|unix.O_DIRECT, 0)
	if err != nil {
		b.Skipf("O_DIRECT: %v", err)
	}
	defer df.Close()
	fd := ovio.Handle(df.Fd())
	pages := size / 4096
	e := openEngine(b, "io_uring", nil)
	ei := openEngine(b, "io_uring+issuer", nil)
	eb := openEngine(b, "blocking", nil)
	ctx := context.Background()
	readers := map[string]func(buf []byte, off int64) error{
		"os": func(buf []byte, off int64) error { _, err := df.ReadAt(buf, off); return err },
		"ovio": func(buf []byte, off int64) error {
			_, err := e.Do(ctx, ovio.ReadAt(fd, buf, off))
			return err
		},
		"ovio-issuer": func(buf []byte, off int64) error {
			_, err := ei.Do(ctx, ovio.ReadAt(fd, buf, off))
			return err
		},
		"blocking": func(buf []byte, off int64) error { // Config.Workers reads in flight at most
			_, err := eb.Do(ctx, ovio.ReadAt(fd, buf, off))
			return err
		},
	}
	for _, g := range []int{1, 128, 1000} {
		for _, name := range []string{"os", "ovio", "ovio-issuer", "blocking"} {
			read := readers[name]
			b.Run(name+"/g"+strconv.Itoa(g), func(b *testing.B) {
				report := sampleThreads(b)
				defer report()
				mem := alignedBuf(b, g*4096)
				var next atomic.Int64
				var wg sync.WaitGroup
				cpu0, t0 := cpuTime(), time.Now()
				b.ResetTimer()
				for w := 0; w < g; w++ {
					wg.Add(1)
					go func(buf []byte, seed uint64) {
						defer wg.Done()
						rng := rand.New(rand.NewPCG(seed, 3))
						for next.Add(1) <= int64(b.N) {
							if err := read(buf, rng.Int64N(pages)*4096); err != nil {
								b.Error(err)
								return
							}
						}
					}(mem[w*4096:(w+1)*4096], uint64(w))
				}
				wg.Wait()
				b.StopTimer()
				cpu, wall := cpuTime()-cpu0, time.Since(t0)
				b.ReportMetric(float64(b.N)/wall.Seconds(), "iops")
				b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-us/op")
			})
		}
	}
}
