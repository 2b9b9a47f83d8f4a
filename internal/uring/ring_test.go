//go:build linux

package uring

import (
	"errors"
	"os"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// newRing sets up a ring or skips the test when this kernel has no io_uring or forbids it.
func newRing(t testing.TB, cfg Config) *Ring {
	t.Helper()
	r, err := New(cfg)
	if errors.Is(err, syscall.ENOSYS) || errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
		t.Skipf("io_uring is not available here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestSetupAndProbe(t *testing.T) {
	r := newRing(t, Config{Entries: 8, CQEntries: 64})
	if r.SQEntries() != 8 || r.CQEntries() != 64 {
		t.Errorf("entries: SQ %d CQ %d, want 8 and 64", r.SQEntries(), r.CQEntries())
	}
	if r.Features()&FeatNodrop == 0 {
		t.Logf("kernel lacks IORING_FEAT_NODROP: %v", FeatureNames(r.Features()))
	}
	p, err := r.Probe()
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range []uint8{OpNop, OpRead, OpWrite, OpAsyncCancel} {
		if !p.Supported(op) {
			t.Errorf("probe says %s is not supported", OpName(op))
		}
	}
	if p.Supported(255) {
		t.Error("probe says opcode 255 is supported")
	}
	t.Logf("%v; last op %s", r, OpName(p.LastOp))
}

// submit queues one entry prepared by prep and waits for its completion.
func submit(t *testing.T, r *Ring, ud uint64, prep func(*SQE)) CQE {
	t.Helper()
	tail := r.SQTail()
	sqe := r.SQE(tail)
	*sqe = SQE{}
	prep(sqe)
	sqe.UserData = ud
	r.SetSQTail(tail + 1)
	if n, err := r.Enter(1, 1, EnterGetevents); err != nil || n != 1 {
		t.Fatalf("io_uring_enter: %d, %v", n, err)
	}
	head := r.CQHead()
	if r.CQTail() == head {
		t.Fatal("no completion after io_uring_enter with min_complete 1")
	}
	cqe := r.CQE(head)
	r.SetCQHead(head + 1)
	if cqe.UserData != ud {
		t.Fatalf("completion for user_data %d, want %d", cqe.UserData, ud)
	}
	return cqe
}

func TestNopReadWrite(t *testing.T) {
	r := newRing(t, Config{Entries: 4})
	if c := submit(t, r, 1, (*SQE).PrepNop); c.Res != 0 {
		t.Fatalf("NOP res %d", c.Res)
	}
	f, err := os.CreateTemp(t.TempDir(), "ring")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	msg := []byte("hello, ring")
	if c := submit(t, r, 2, func(e *SQE) { e.PrepWrite(int32(f.Fd()), msg, 3) }); c.Res != int32(len(msg)) {
		t.Fatalf("WRITE res %d", c.Res)
	}
	buf := make([]byte, 32)
	if c := submit(t, r, 3, func(e *SQE) { e.PrepRead(int32(f.Fd()), buf, 3) }); c.Res != int32(len(msg)) || string(buf[:c.Res]) != string(msg) {
		t.Fatalf("READ res %d %q", c.Res, buf)
	}
	var st unix.Statx_t
	path := []byte(f.Name() + "\x00")
	if c := submit(t, r, 4, func(e *SQE) { e.PrepStatx(unix.AT_FDCWD, &path[0], 0, unix.STATX_SIZE, &st) }); c.Res != 0 || st.Size != uint64(3+len(msg)) {
		t.Fatalf("STATX res %d size %d", c.Res, st.Size)
	}
	if c := submit(t, r, 5, func(e *SQE) { e.PrepRead(-1, buf, 0) }); c.Res != -int32(unix.EBADF) {
		t.Fatalf("READ of fd -1: res %d, want -EBADF", c.Res)
	}
}

func TestEnterTimeout(t *testing.T) {
	r := newRing(t, Config{Entries: 4})
	if r.Features()&FeatExtArg == 0 {
		t.Skip("kernel lacks IORING_FEAT_EXT_ARG (Linux 5.11)")
	}
	if _, err := r.EnterTimeout(0, 1, 1e6); err != unix.ETIME {
		t.Fatalf("EnterTimeout on an empty ring: %v, want ETIME", err)
	}
}
