package ovio_test

// File and DirFS beside os, in the same run. Speed is reported, never asserted; BENCHMARKS.md
// has the figures and the commands.

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/ovio/ovio"
)

// BenchmarkReadFile10k reads 10 000 page-cached files of 4 KiB, from 64 goroutines, with
// os.ReadFile and with DirFS's ReadFile: an op is one whole file.
func BenchmarkReadFile10k(b *testing.B) {
	const files, size, goroutines = 10_000, 4096, 64
	root := b.TempDir()
	names := make([]string, files)
	data := make([]byte, size)
	for i := range names {
		names[i] = fmt.Sprintf("d%02d/f%05d", i%100, i)
		full := filepath.Join(root, names[i])
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	for _, name := range names {
		os.ReadFile(filepath.Join(root, name)) // into the page cache
	}
	e := openEngine(b, "", nil)
	fsys := e.DirFS(root).(fs.ReadFileFS)
	readers := []struct {
		name string
		read func(name string) ([]byte, error)
	}{
		{"os", func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(root, name)) }},
		{"ovio", fsys.ReadFile},
	}
	for _, r := range readers {
		b.Run(r.name+"/g"+strconv.Itoa(goroutines), func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			report := sampleThreads(b)
			defer report()
			b.SetParallelism(max(1, goroutines/runtime.GOMAXPROCS(0)))
			var next atomic.Uint64
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					d, err := r.read(names[next.Add(1)%files])
					if err != nil || len(d) != size {
						b.Errorf("ReadFile: %d bytes, %v", len(d), err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkFileReadAt4K reads 4 KiB at random aligned offsets of a page-cached file with
// File.ReadAt and with os.File.ReadAt, from 1 and 256 goroutines. BenchmarkReadAt4K has the
// engine's bare ReadAt request on the same file.
func BenchmarkFileReadAt4K(b *testing.B) {
	of, size := benchFile(b)
	e := openEngine(b, "", nil)
	f, err := e.Open(of.Name())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	runReadAt4K(b, size/4096, []reader4K{
		{"os", func(buf []byte, off int64) error { _, err := of.ReadAt(buf, off); return err }},
		{"ovio", func(buf []byte, off int64) error { _, err := f.ReadAt(buf, off); return err }},
	})
}

// BenchmarkFileWriteAt4K writes 4 KiB at random aligned offsets of a page-cached file with
// File.WriteAt and with os.File.WriteAt, from 1 and 256 goroutines. BenchmarkWriteAt4K has the
// engine's bare WriteAt request on the same file.
func BenchmarkFileWriteAt4K(b *testing.B) {
	of, size := benchFile(b)
	e := openEngine(b, "", nil)
	f, err := e.OpenFile(of.Name(), os.O_RDWR, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	runReadAt4K(b, size/4096, []reader4K{
		{"os", func(buf []byte, off int64) error { _, err := of.WriteAt(buf, off); return err }},
		{"ovio", func(buf []byte, off int64) error { _, err := f.WriteAt(buf, off); return err }},
	})
}

// BenchmarkReadAtBatch64 reads 64 ranges of 4 KiB at random offsets of a page-cached file: one
// ReadAtBatch, against 64 calls of os.File.ReadAt.
func BenchmarkReadAtBatch64(b *testing.B) {
	of, size := benchFile(b)
	pages := size / 4096
	e := openEngine(b, "", nil)
	f, err := e.Open(of.Name())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	ranges := make([]ovio.ReadRange, 64)
	for i := range ranges {
		ranges[i].Buf = make([]byte, 4096)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	b.Run("os", func(b *testing.B) {
		b.SetBytes(64 * 4096)
		b.ReportAllocs()
		for b.Loop() {
			for i := range ranges {
				if _, err := of.ReadAt(ranges[i].Buf, rng.Int64N(pages)*4096); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("ovio", func(b *testing.B) {
		b.SetBytes(64 * 4096)
		b.ReportAllocs()
		ctx := context.Background()
		for b.Loop() {
			for i := range ranges {
				ranges[i].Off = rng.Int64N(pages) * 4096
			}
			if err := f.ReadAtBatch(ctx, ranges); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkStat stats a page-cached file by descriptor (File.Stat against os.File.Stat) and by
// path (DirFS's Stat against os.Stat), from 64 goroutines.
func BenchmarkStat(b *testing.B) {
	root := b.TempDir()
	name := filepath.Join(root, "d", "f")
	os.MkdirAll(filepath.Dir(name), 0o755)
	os.WriteFile(name, []byte("x"), 0o644)
	of, err := os.Open(name)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { of.Close() })
	e := openEngine(b, "", nil)
	f, err := e.Open(name)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	fsys := e.DirFS(root).(fs.StatFS)
	stats := []struct {
		name string
		stat func() (fs.FileInfo, error)
	}{
		{"fd/os", of.Stat},
		{"fd/ovio", f.Stat},
		{"path/os", func() (fs.FileInfo, error) { return os.Stat(name) }},
		{"path/ovio", func() (fs.FileInfo, error) { return fsys.Stat("d/f") }},
	}
	for _, s := range stats {
		b.Run(s.name+"/g64", func(b *testing.B) {
			b.ReportAllocs()
			report := sampleThreads(b)
			defer report()
			b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := s.stat(); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
