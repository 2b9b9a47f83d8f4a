package ovio

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ovio/ovio/internal/uring"
)

// TestUringCoopTaskrun checks that Config.CoopTaskrun sets the ring up with COOP_TASKRUN and
// TASKRUN_FLAG where the kernel has them, and that reads and NOPs complete on it; the
// conformance suite runs every test on it too ("io_uring+coop").
func TestUringCoopTaskrun(t *testing.T) {
	e, err := Open(&Config{Kind: "io_uring", CoopTaskrun: true})
	if err != nil {
		t.Skipf("io_uring: %v", err)
	}
	defer e.Close()
	const want = uring.SetupCoopTaskrun | uring.SetupTaskrunFlag
	if got := e.drv.(*uringDriver).ring.Params().Flags; got&want != want {
		t.Skipf("the kernel refused COOP_TASKRUN | TASKRUN_FLAG (Linux 5.19): flags %#x", got)
	}
	leverOps(t, e, 2)
}

// TestUringSQPoll checks that Config.SQPoll sets the ring up with a polling thread (iou-sqp, a
// thread of this process) where the kernel allows it, and that ops complete on it, across the
// thread's sleeps and with a two-entry queue, where they wait for room in the kernel.
func TestUringSQPoll(t *testing.T) {
	e, err := Open(&Config{Kind: "io_uring", SQPoll: time.Millisecond, Entries: 2})
	if err != nil {
		t.Skipf("io_uring: %v", err)
	}
	defer e.Close()
	if !e.drv.(*uringDriver).sqPoll {
		t.Skip("the kernel refused IORING_SETUP_SQPOLL")
	}
	// The kernel's polling thread names itself iou-sqp-PID when it first runs, which on a busy
	// machine can be a while after setup: wait for the name, not for a time.
	for deadline := time.Now().Add(30 * time.Second); sqpollThreads() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no iou-sqp thread in the process")
		}
	}
	leverOps(t, e, 16)
	time.Sleep(20 * time.Millisecond) // the thread sleeps after 1 ms idle: a submission must wake it
	leverOps(t, e, 1)
	if _, err := Open(&Config{Kind: "io_uring", SQPoll: time.Millisecond, SingleIssuer: true}); err == nil {
		t.Error("SQPoll with SingleIssuer: no error")
	}
}

// leverOps runs NOPs, batches and file reads and writes from goroutines at once, each checked.
func leverOps(t *testing.T, e *Engine, goroutines int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := Handle(f.Fd())
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			buf, got := make([]byte, 512), make([]byte, 512)
			for i := range 50 {
				for j := range buf {
					buf[j] = byte(g + i + j)
				}
				off := int64(g) * 512
				if n, err := e.Do(ctx, WriteAt(h, buf, off)); n != len(buf) || err != nil {
					t.Errorf("WriteAt: %d, %v", n, err)
					return
				}
				if n, err := e.Do(ctx, ReadAt(h, got, off)); n != len(got) || err != nil || string(got) != string(buf) {
					t.Errorf("ReadAt: %d, %v, same data: %v", n, err, string(got) == string(buf))
					return
				}
				if err := e.DoBatch(ctx, []Request{Nop(), Nop(), Nop()}, make([]Result, 3)); err != nil {
					t.Errorf("DoBatch: %v", err)
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		// A cancel may not reach the kernel either, if submissions do not: no wait for them.
		t.Fatal("ops still running after a minute")
	}
	if ctx.Err() != nil {
		t.Fatal("ops completed only when the guard cancelled them")
	}
}

// sqpollThreads counts the process's io_uring SQPOLL threads.
func sqpollThreads() int {
	n := 0
	tasks, _ := os.ReadDir("/proc/self/task")
	for _, task := range tasks {
		if b, err := os.ReadFile("/proc/self/task/" + task.Name() + "/comm"); err == nil && strings.HasPrefix(string(b), "iou-sqp") {
			n++
		}
	}
	return n
}

// TestUringConfig: Engine.Config reports what the ring was set up with: the kernel's size of
// the queue, and a lever only where the kernel took it (TestFaultSetupRefused has a kernel that
// refuses them).
func TestUringConfig(t *testing.T) {
	e, err := Open(&Config{Kind: "io_uring", Entries: 100, CoopTaskrun: true, SQPoll: time.Second, Workers: 3})
	if err != nil {
		t.Skipf("io_uring: %v", err)
	}
	defer e.Close()
	flags := e.drv.(*uringDriver).ring.Params().Flags
	want := Config{Kind: "io_uring", Entries: 128, MaxInFlight: defaultMaxInFlight,
		CoopTaskrun: flags&uring.SetupCoopTaskrun != 0}
	if flags&uring.SetupSQPoll != 0 {
		want.SQPoll = time.Second
	}
	if got := e.Config(); got != want {
		t.Errorf("Config() = %+v, want %+v", got, want)
	}
	if !want.CoopTaskrun || want.SQPoll == 0 {
		t.Logf("the kernel refused a lever: setup flags %#x", flags)
	}

	is, err := Open(&Config{Kind: "io_uring", SingleIssuer: true, CoopTaskrun: true})
	if err != nil {
		t.Logf("single issuer: %v", err)
		return
	}
	defer is.Close()
	want = Config{Kind: "io_uring", Entries: defaultEntries, MaxInFlight: defaultMaxInFlight, SingleIssuer: true}
	if got := is.Config(); got != want {
		t.Errorf("single issuer: Config() = %+v, want %+v", got, want)
	}
}
