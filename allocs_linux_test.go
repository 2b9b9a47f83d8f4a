package ovio_test

// Issue 8 asks for no allocation per op in steady state for Nop, ReadAt and WriteAt. Allocation
// counts, unlike timings, do not depend on the machine's load, so this is a test, not a benchmark.

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/ovio/ovio"
	"golang.org/x/sys/unix"
)

// allocsPerOp warms f up (the op pool, the waiter's channel, the ring's tables, sync.Pools all
// fill on first use) and then returns testing.AllocsPerRun's count for it.
func allocsPerOp(f func()) float64 {
	for i := 0; i < 100; i++ {
		f()
	}
	return testing.AllocsPerRun(1000, f)
}

// TestNoAllocsPerOp checks that Engine.Do with Nop, ReadAt and WriteAt requests (through the
// ring or the blocking engine's workers, not the page-cache attempt), and File's ReadAt and
// WriteAt (buffered and O_DIRECT, so through the ring) allocate nothing per op once warm.
func TestNoAllocsPerOp(t *testing.T) {
	if raceBuild {
		t.Skip("the race detector changes allocation counts")
	}
	dir := t.TempDir()
	name := filepath.Join(dir, "f")
	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	of, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer of.Close()
	fd := ovio.Handle(of.Fd())
	ctx := context.Background()

	for _, kind := range []string{"io_uring", "io_uring+issuer", "blocking"} {
		t.Run(kind, func(t *testing.T) {
			e := openEngine(t, kind, nil)
			buf := make([]byte, 4096)
			check := func(what string, f func() error) {
				t.Helper()
				if err := f(); err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				if a := allocsPerOp(func() { f() }); a != 0 {
					t.Errorf("%s allocates %v times per op", what, a)
				}
			}
			check("Do(Nop)", func() error { _, err := e.Do(ctx, ovio.Nop()); return err })
			check("Do(ReadAt)", func() error {
				n, err := e.Do(ctx, ovio.ReadAt(fd, buf, 8192))
				if err == nil && n != len(buf) {
					err = errShort(n)
				}
				return err
			})
			check("Do(WriteAt)", func() error {
				n, err := e.Do(ctx, ovio.WriteAt(fd, buf, 8192))
				if err == nil && n != len(buf) {
					err = errShort(n)
				}
				return err
			})

			f, err := e.OpenFile(name, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			check("File.ReadAt", func() error { _, err := f.ReadAt(buf, 4096); return err })
			check("File.WriteAt", func() error { _, err := f.WriteAt(buf, 4096); return err })
			// A File's context: ReadAtContext with a context that can end sets up its own.
			cctx, cancel := context.WithCancel(ctx)
			defer cancel()
			check("File.ReadAtContext (cancellable)", func() error { _, err := f.ReadAtContext(cctx, buf, 4096); return err })

			// O_DIRECT: no page-cache attempt, every read and write goes to the engine.
			df, err := e.OpenFile(name, os.O_RDWR|syscall.O_DIRECT, 0)
			if err != nil {
				t.Skipf("O_DIRECT: %v", err)
			}
			defer df.Close()
			abuf := alignedMem(t, 4096)
			if _, err := df.ReadAt(abuf, 0); err != nil {
				t.Skipf("O_DIRECT read: %v", err) // a file system without O_DIRECT (tmpfs)
			}
			check("File.ReadAt (O_DIRECT)", func() error { _, err := df.ReadAt(abuf, 4096); return err })
			check("File.WriteAt (O_DIRECT)", func() error { _, err := df.WriteAt(abuf, 4096); return err })
		})
	}
}

// errShort is a short count where a whole buffer was due.
type errShort int

func (e errShort) Error() string { return "short count" }

// alignedMem returns a page-aligned buffer for O_DIRECT that lives as long as the test.
func alignedMem(t testing.TB, n int) []byte {
	m, err := unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Munmap(m) })
	return m
}
