package ovio_test

// Detection tested for real: a child process forbids itself io_uring_setup with a seccomp filter
// that answers EPERM, as Docker's default profile does, and checks that ovio falls back to the
// blocking engine for that reason, and that the conformance suite passes there.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/ovio/ovio"
	"github.com/ovio/ovio/internal/uring"
	"golang.org/x/sys/unix"
)

// seccompChildEnv marks the child process of TestSeccomp.
const seccompChildEnv = "OVIO_TEST_SECCOMP_CHILD"

// seccompUnavailable starts the line a child prints when it cannot install the filter.
const seccompUnavailable = "SECCOMP UNAVAILABLE:"

func init() {
	// Before TestMain opens the default engine, and before any test: the whole process must be
	// forbidden io_uring from the start.
	if os.Getenv(seccompChildEnv) == "" {
		return
	}
	if err := forbidIOUringSetup(); err != nil {
		fmt.Println(seccompUnavailable, err)
		os.Exit(0)
	}
}

// forbidIOUringSetup installs a seccomp filter that makes io_uring_setup fail with EPERM in every
// thread of the process, now and later.
func forbidIOUringSetup() error {
	var arch uint32
	switch runtime.GOARCH {
	case "amd64":
		arch = unix.AUDIT_ARCH_X86_64
	case "arm64":
		arch = unix.AUDIT_ARCH_AARCH64
	default:
		return fmt.Errorf("no filter written for %s", runtime.GOARCH)
	}
	// The program reads struct seccomp_data: nr at offset 0, arch at offset 4.
	prog := []unix.SockFilter{
		{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 4},
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, K: arch, Jt: 0, Jf: 3}, // another ABI: allow
		{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 0},
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, K: unix.SYS_IO_URING_SETUP, Jt: 0, Jf: 1},
		{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)},
		{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ALLOW},
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	// Without privileges, a filter needs no_new_privs.
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("PR_SET_NO_NEW_PRIVS: %w", err)
	}
	// prctl(PR_SET_SECCOMP) would filter the calling thread only; a Go process already runs on
	// several. TSYNC puts the filter on all of them.
	r, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC,
		uintptr(unsafe.Pointer(&fprog)))
	runtime.KeepAlive(prog)
	if errno != 0 {
		return fmt.Errorf("seccomp(SECCOMP_SET_MODE_FILTER, TSYNC): %w", errno)
	}
	if r != 0 {
		return fmt.Errorf("seccomp: thread %d could not take the filter", r)
	}
	return nil
}

// TestSeccomp runs TestSeccompChild and the conformance suite against the fallback in a child
// process that io_uring_setup refuses with EPERM.
func TestSeccomp(t *testing.T) {
	if os.Getenv(seccompChildEnv) != "" {
		t.Skip("already the child")
	}
	// The parent runs the full suite against the blocking engine; the child, which shows that it
	// passes where io_uring is forbidden, runs its short form.
	args := []string{"-test.run=^(TestSeccompChild|TestConformance)$/^blocking$", "-test.count=1", "-test.v", "-test.short"}
	cmd := exec.Command(os.Args[0], args...)
	// The child must choose for itself: no OVIO_ENGINE.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, ovio.EnvEngine+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, seccompChildEnv+"=1")
	out, err := cmd.CombinedOutput()
	if i := strings.Index(string(out), seccompUnavailable); i >= 0 {
		t.Skipf("the child could not install a seccomp filter: %s", strings.TrimSpace(string(out[i:])))
	}
	if err != nil {
		t.Fatalf("the child process failed: %v\n%s", err, out)
	}
	for _, want := range []string{"--- PASS: TestSeccompChild", "--- PASS: TestConformance/blocking/Stress", "--- PASS: TestConformance/blocking/ClosePending"} {
		if !strings.Contains(string(out), want) {
			t.Fatalf("the child's output lacks %q:\n%s", want, out)
		}
	}
	if testing.Verbose() {
		for _, line := range strings.Split(string(out), "\n") {
			if strings.Contains(line, "seccomp_linux_test.go") {
				t.Log("child:", strings.TrimSpace(line))
			}
		}
	}
}

// TestSeccompChild checks, in the child of TestSeccomp, that io_uring is refused and that ovio
// chose the fallback for that reason.
func TestSeccompChild(t *testing.T) {
	if os.Getenv(seccompChildEnv) == "" {
		t.Skip("runs in the child process of TestSeccomp")
	}
	if _, err := uring.New(uring.Config{Entries: 8}); !errors.Is(err, syscall.EPERM) {
		t.Fatalf("io_uring_setup under the filter: %v, want EPERM", err)
	}
	checkForbidden := func(what string, err error) {
		t.Helper()
		var ee *ovio.EngineError
		if !errors.As(err, &ee) {
			t.Fatalf("%s: %v (%T), want an *ovio.EngineError", what, err, err)
		}
		if ee.Kind != "io_uring" || ee.Reason != ovio.ReasonForbidden || !errors.Is(err, syscall.EPERM) ||
			!strings.Contains(err.Error(), "seccomp") {
			t.Errorf("%s: %v (reason %d), want io_uring forbidden by seccomp, matching EPERM", what, err, ee.Reason)
		}
	}

	e, err := ovio.Default()
	if err != nil {
		t.Fatal(err)
	}
	if e.Kind() != "blocking" {
		t.Fatalf("the default engine is %q, want the fallback", e.Kind())
	}
	checkForbidden("Default().Fallback()", e.Fallback())
	t.Logf("default engine: %s; %v", e.Kind(), e.Fallback())

	e, err = ovio.Open(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if e.Kind() != "blocking" {
		t.Fatalf("Open(nil) chose %q, want the fallback", e.Kind())
	}
	checkForbidden("Open(nil).Fallback()", e.Fallback())

	// Asked for by name, io_uring is an error and never a fallback.
	if u, err := ovio.Open(&ovio.Config{Kind: "io_uring"}); err == nil {
		u.Close()
		t.Fatal("Open(io_uring) succeeded under the filter")
	} else {
		checkForbidden("Open(io_uring)", err)
	}

	// The fallback works.
	f, err := os.CreateTemp(t.TempDir(), "seccomp")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := ovio.Handle(f.Fd())
	ctx := context.Background()
	if n, err := e.Do(ctx, ovio.WriteAt(h, []byte("fallback"), 0)); n != 8 || err != nil {
		t.Fatalf("WriteAt: %d, %v", n, err)
	}
	buf := make([]byte, 8)
	if n, err := e.Do(ctx, ovio.ReadAt(h, buf, 0)); n != 8 || err != nil || string(buf) != "fallback" {
		t.Fatalf("ReadAt: %d, %v, %q", n, err, buf)
	}
}
