package ovio

// Which engine Open runs, and why: the names, the OVIO_ENGINE variable, and the error that says
// why an engine is not used. The choice itself is per platform (openDriver).

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
)

// EnvEngine is the environment variable that chooses the engine when Config.Kind is empty:
// "io_uring", "iocp" or "blocking", among those the platform has. Open fails, listing the valid
// names, when it holds anything else; an engine it names is used or Open fails, as for
// Config.Kind. Users set it to force the portable engine, and tests to run a program against each
// engine. Empty is the same as unset.
const EnvEngine = "OVIO_ENGINE"

// allEngines are the engines ovio has, on some platform.
var allEngines = []string{"io_uring", "iocp", "blocking"}

// platformEngines returns the engines built for goos, the preferred one first.
func platformEngines(goos string) []string {
	switch goos {
	case "linux", "android":
		return []string{"io_uring", "blocking"}
	case "windows":
		return []string{"iocp"}
	}
	return []string{"blocking"}
}

// parseKind checks an engine name, from Config.Kind or OVIO_ENGINE (from says which, for the
// error), against the engines of goos. The empty name means: choose.
func parseKind(kind, from, goos string) error {
	if kind == "" {
		return nil
	}
	valid := platformEngines(goos)
	if slices.Contains(valid, kind) {
		return nil
	}
	list := strings.Join(valid, ", ")
	if slices.Contains(allEngines, kind) {
		return &OpError{Op: "open", Err: fmt.Errorf("%s: the %s engine is not built for %s (engines here: %s): %w",
			from, kind, goos, list, ErrNotSupported)}
	}
	return &OpError{Op: "open", Err: argError(fmt.Sprintf("%s: unknown engine %q (engines here: %s)", from, kind, list))}
}

// chooseKind returns the engine asked for: Config.Kind, else OVIO_ENGINE (env is its value), else
// "" for the platform's best. from says where the name came from.
func chooseKind(cfgKind, env string) (kind, from string, err error) {
	kind, from = cfgKind, "Config.Kind"
	if kind == "" {
		kind, from = env, EnvEngine
	}
	if err := parseKind(kind, from, runtime.GOOS); err != nil {
		return "", "", err
	}
	return kind, from, nil
}

// Reason is why an engine is not used, as EngineError.Reason reports it.
type Reason uint8

// The reasons. Only the first two apply outside Linux; the others say why io_uring cannot run.
const (
	// ReasonOther: setting the engine up failed in a way none of the others describes; Err says
	// how.
	ReasonOther Reason = iota
	// ReasonAsked: another engine was asked for, by Config.Kind or OVIO_ENGINE.
	ReasonAsked
	// ReasonAbsent: io_uring_setup does not exist (ENOSYS): a kernel built without io_uring or
	// older than Linux 5.1, a sandbox such as gVisor, or a seccomp filter that answers ENOSYS.
	ReasonAbsent
	// ReasonDisabled: the sysctl kernel.io_uring_disabled forbids io_uring to this process
	// (EPERM): 2 forbids it to every process, 1 to those outside kernel.io_uring_group.
	ReasonDisabled
	// ReasonForbidden: io_uring_setup answered EPERM while the sysctl allows io_uring: a seccomp
	// filter (Docker's default profile since Docker 25, systemd's SystemCallFilter) or another
	// container policy.
	ReasonForbidden
	// ReasonDenied: io_uring_setup answered EACCES: a Linux security module (SELinux, AppArmor)
	// denied it.
	ReasonDenied
	// ReasonTooOld: io_uring works, but lacks a feature or an opcode the engine needs.
	ReasonTooOld
	// ReasonResources: io_uring exists but could not be set up now, for want of memory (locked
	// memory: RLIMIT_MEMLOCK on kernels before 5.12) or file descriptors (ENOMEM, EMFILE, ENFILE,
	// EAGAIN). This is not the same as unavailable: it may succeed later, or with a smaller
	// Config.Entries.
	ReasonResources
)

var reasonText = [...]string{
	ReasonOther:     "its setup failed",
	ReasonAsked:     "another engine was asked for",
	ReasonAbsent:    "the kernel has no io_uring (built without it, older than Linux 5.1, or a sandbox such as gVisor)",
	ReasonDisabled:  "io_uring is disabled by the sysctl kernel.io_uring_disabled",
	ReasonForbidden: "io_uring is forbidden (seccomp or a container policy)",
	ReasonDenied:    "io_uring is denied by a security module (SELinux, AppArmor)",
	ReasonTooOld:    "the kernel's io_uring is too old",
	ReasonResources: "io_uring is short of resources (locked memory, RLIMIT_MEMLOCK? file descriptors?), not unavailable",
}

// String describes the reason in words.
func (r Reason) String() string {
	if int(r) < len(reasonText) {
		return reasonText[r]
	}
	return fmt.Sprintf("Reason(%d)", uint8(r))
}

// EngineError says why an engine is not used. Open returns one when the engine asked for by name
// cannot run here (an engine asked for by name is never replaced by another), and
// Engine.Fallback returns one when Open chose another engine than the platform's preferred one.
//
// errors.Is sees through it to Err: errors.Is(err, syscall.EPERM) holds for an io_uring that a
// seccomp filter forbids, and errors.Is(err, ErrNotSupported) for one that is too old.
type EngineError struct {
	Kind   string // the engine not used: "io_uring"
	Reason Reason // why, as a value to switch on
	Detail string // what ovio found out, if anything: "kernel.io_uring_disabled = 2", "OVIO_ENGINE=blocking"
	Err    error  // what the system said: an *os.SyscallError wrapping a syscall.Errno, ...; nil for ReasonAsked
}

// Error returns "ovio: <kind> not used: <reason>[: <detail>][: <err>]".
func (e *EngineError) Error() string {
	s := "ovio: " + e.Kind + " not used: " + e.Reason.String()
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns Err.
func (e *EngineError) Unwrap() error { return e.Err }

// Fallback returns why the engine is not the one this platform prefers (io_uring on Linux, IOCP
// on Windows), as an *EngineError, or nil if it is. Kind names the engine that runs; Fallback says
// why: asked for by Config.Kind or OVIO_ENGINE, or chosen because the preferred engine cannot run
// here, and then for which reason.
func (e *Engine) Fallback() error {
	if e.fallback == nil {
		return nil // not a nil *EngineError in a non-nil error
	}
	return e.fallback
}

// asked records that the engine runs because it was asked for by name.
func (e *Engine) asked(kind, from string) {
	if preferred := platformEngines(runtime.GOOS)[0]; kind != preferred {
		e.fallback = &EngineError{Kind: preferred, Reason: ReasonAsked, Detail: from + "=" + kind}
	}
}
