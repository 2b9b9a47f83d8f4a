package ovio_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/ovio/ovio"
)

// TestBlockingPrep: the blocking engine has no SQEs to fill.
func TestBlockingPrep(t *testing.T) {
	e := openEngine(t, "blocking", nil)
	called := false
	_, err := e.Do(context.Background(), ovio.Prep(func(*ovio.SQE) { called = true }))
	var oe *ovio.OpError
	if !errors.Is(err, ovio.ErrNotSupported) || !errors.As(err, &oe) || oe.Op != "native" {
		t.Errorf("Prep on the blocking engine: %v, want ErrNotSupported", err)
	}
	if called {
		t.Error("the blocking engine called the prep function")
	}
	results := make([]ovio.Result, 2)
	e.DoBatch(context.Background(), []ovio.Request{ovio.Nop(), ovio.Prep((*ovio.SQE).PrepNop)}, results)
	if results[0].Err != nil || !errors.Is(results[1].Err, ovio.ErrNotSupported) {
		t.Errorf("a batch with a Prep: %v, %v", results[0].Err, results[1].Err)
	}
}

// TestBlockingNowait reads a cached file the way File does (rwNowait): the first attempt answers
// in the caller's goroutine, so that it completes even while every worker is busy, and allocates
// nothing. A write may need the pool (file systems differ in RWF_NOWAIT for buffered writes).
func TestBlockingNowait(t *testing.T) {
	e := openEngine(t, "blocking", &ovio.Config{Workers: 1})
	p := newPending(t, e)
	f, err := os.CreateTemp(t.TempDir(), "nowait")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("cached data"); err != nil {
		t.Fatal(err)
	}
	fd := int(f.Fd())
	busy := e.Start(context.Background(), p.read(make([]byte, 1))) // holds the only worker
	waitInFlight(t, e, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// (A read that ends short of what it asked, at the end of the file, goes on in the pool, as
	// the io_uring engine sends it to the ring: the file may have grown meanwhile.)
	buf := make([]byte, 6)
	if n, err := e.Do(ctx, ovio.ReadAtNowait(fd, buf[:4], 7)); n != 4 || err != nil || string(buf[:n]) != "data" {
		t.Fatalf("ReadAtNowait: %d, %v, %q", n, err, buf[:max(n, 0)])
	}
	if allocs := testing.AllocsPerRun(100, func() { e.Do(ctx, ovio.ReadAtNowait(fd, buf, 0)) }); allocs != 0 {
		t.Errorf("a cached ReadAtNowait allocates %v times", allocs)
	}
	p.feed([]byte("x"))
	if _, err := busy.Result(); err != nil {
		t.Fatal(err)
	}
	if n, err := e.Do(ctx, ovio.WriteAtNowait(fd, []byte("fresh"), 0)); n != 5 || err != nil {
		t.Fatalf("WriteAtNowait: %d, %v", n, err)
	}
	if n, err := e.Do(ctx, ovio.ReadAtNowait(fd, buf, 0)); n != 6 || err != nil || string(buf) != "freshd" {
		t.Fatalf("ReadAtNowait after the write: %d, %v, %q", n, err, buf)
	}
}
