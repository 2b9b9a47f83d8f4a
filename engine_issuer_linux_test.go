package ovio

import (
	"errors"
	"os"
	"syscall"
	"testing"
)

// TestClassifyIssuerTooOld: a kernel older than Linux 6.1 answers EINVAL to the single-issuer
// mode's setup flags, and the engine then reports ReasonTooOld, matching ErrNotSupported; other
// setup errors keep their own reasons. (This kernel has the flags, so the classification is
// tested on the error the old kernel gives.)
func TestClassifyIssuerTooOld(t *testing.T) {
	allowed := func() (bool, string) { return true, "allowed" }
	setup := func(errno syscall.Errno) error { return os.NewSyscallError("io_uring_setup", errno) }
	e := classifyUring(issuerSetupError(setup(syscall.EINVAL)), 0, allowed)
	if e.Reason != ReasonTooOld {
		t.Errorf("single-issuer setup refused with EINVAL: %v, want %v", e.Reason, ReasonTooOld)
	}
	if !errors.Is(e, ErrNotSupported) {
		t.Errorf("%v does not match ErrNotSupported", e)
	}
	for errno, want := range map[syscall.Errno]Reason{
		syscall.ENOMEM: ReasonResources, syscall.EPERM: ReasonForbidden, syscall.ENOSYS: ReasonAbsent,
	} {
		if e := classifyUring(issuerSetupError(setup(errno)), 0, allowed); e.Reason != want || !errors.Is(e, errno) {
			t.Errorf("single-issuer setup refused with %v: %v (%v), want %v wrapping it", errno, e.Reason, e, want)
		}
	}
}
