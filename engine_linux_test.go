package ovio

import (
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
)

// TestClassifyUring tells the reasons apart from the errors io_uring_setup gives and the sysctl.
func TestClassifyUring(t *testing.T) {
	setup := func(errno syscall.Errno) error { return os.NewSyscallError("io_uring_setup", errno) }
	inGroup := func() (bool, string) { return true, "it is in kernel.io_uring_group 42" }
	outside := func() (bool, string) { return false, "not in kernel.io_uring_group 42" }
	for _, c := range []struct {
		err      error
		disabled int
		group    func() (bool, string)
		want     Reason
		detail   string // a part of Detail
	}{
		{setup(syscall.ENOSYS), -1, outside, ReasonAbsent, ""},
		{setup(syscall.EPERM), 0, outside, ReasonForbidden, ""},
		{setup(syscall.EPERM), -1, outside, ReasonForbidden, ""},
		{setup(syscall.EPERM), 2, inGroup, ReasonDisabled, "= 2"},
		{setup(syscall.EPERM), 1, outside, ReasonDisabled, "not in kernel.io_uring_group 42"},
		{setup(syscall.EPERM), 1, inGroup, ReasonForbidden, "something else refused"},
		{setup(syscall.EACCES), 0, outside, ReasonDenied, ""},
		{setup(syscall.ENOMEM), 0, outside, ReasonResources, ""},
		{setup(syscall.EMFILE), 0, outside, ReasonResources, ""},
		{setup(syscall.ENFILE), 0, outside, ReasonResources, ""},
		{setup(syscall.EINVAL), 0, outside, ReasonOther, ""},
		{errUringTooOld("opcodes ASYNC_CANCEL"), 0, outside, ReasonTooOld, ""},
	} {
		e := classifyUring(c.err, c.disabled, c.group)
		if e.Reason != c.want || !strings.Contains(e.Detail, c.detail) {
			t.Errorf("%v with io_uring_disabled %d: %v (%q), want %v with %q", c.err, c.disabled, e.Reason, e.Detail, c.want, c.detail)
		}
		if !errors.Is(e, c.err) || e.Kind != "io_uring" {
			t.Errorf("%v: %#v does not wrap it", c.err, e)
		}
		if msg := e.Error(); !strings.Contains(msg, e.Reason.String()) || !strings.Contains(msg, c.err.Error()) {
			t.Errorf("%v: message %q lacks the reason or the error", c.err, msg)
		}
	}
	if e := classifyUring(errUringTooOld("x"), 0, outside); !errors.Is(e, ErrNotSupported) {
		t.Errorf("a kernel too old: %v does not match ErrNotSupported", e)
	}
	if !strings.Contains(classifyUring(setup(syscall.EPERM), 0, outside).Error(), "seccomp") {
		t.Error("EPERM does not mention seccomp")
	}
}
