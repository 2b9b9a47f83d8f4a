package ovio

import (
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// openDriver opens the engine cfg asks for: io_uring when it sets up and has what the engine
// needs, else the blocking engine, recording why in e.fallback. An engine asked for by name is
// that engine or an error.
func openDriver(e *Engine, cfg *Config) (driver, error) {
	switch cfg.Kind {
	case "blocking":
		return openBlocking(e, cfg), nil
	case "io_uring":
		d, err := openUring(e, cfg)
		if err != nil {
			return nil, uringUnusable(err)
		}
		return d, nil
	}
	d, err := openUring(e, cfg)
	if err == nil {
		return d, nil
	}
	// Resource errors fall back too: the program keeps working, and the reason says that
	// io_uring exists.
	e.fallback = uringUnusable(err)
	return openBlocking(e, cfg), nil
}

// uringUnusable says why openUring failed.
func uringUnusable(err error) *EngineError {
	return classifyUring(err, readSysctl("io_uring_disabled"), uringGroupAllows)
}

// classifyUring tells apart the reasons io_uring cannot run, from openUring's error, the sysctl
// kernel.io_uring_disabled (-1 where the kernel has none: before Linux 6.6) and whether its group
// setting lets this process in.
func classifyUring(err error, disabled int, groupAllows func() (bool, string)) *EngineError {
	e := &EngineError{Kind: "io_uring", Reason: ReasonOther, Err: err}
	var old errUringTooOld
	switch {
	case errors.As(err, &old):
		e.Reason = ReasonTooOld
	case errors.Is(err, syscall.ENOSYS):
		e.Reason = ReasonAbsent
	case errors.Is(err, syscall.EPERM):
		e.Reason = ReasonForbidden
		switch disabled {
		case 2:
			e.Reason, e.Detail = ReasonDisabled, "kernel.io_uring_disabled = 2: for every process"
		case 1:
			if ok, why := groupAllows(); !ok {
				e.Reason, e.Detail = ReasonDisabled, "kernel.io_uring_disabled = 1: "+why
			} else {
				e.Detail = "kernel.io_uring_disabled = 1 allows this process (" + why + "), so something else refused"
			}
		}
	case errors.Is(err, syscall.EACCES):
		e.Reason = ReasonDenied
	case errors.Is(err, syscall.ENOMEM), errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE),
		errors.Is(err, syscall.EAGAIN):
		e.Reason = ReasonResources
	}
	return e
}

// readSysctl reads an integer under /proc/sys/kernel, or returns -1.
func readSysctl(name string) int {
	b, err := os.ReadFile("/proc/sys/kernel/" + name)
	if err != nil {
		return -1
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return -1
	}
	return n
}

// uringGroupAllows reports whether kernel.io_uring_disabled = 1 lets this process use io_uring:
// it does for members of the group kernel.io_uring_group and for holders of CAP_SYS_ADMIN. The
// string says which, or why not.
func uringGroupAllows() (bool, string) {
	if capSysAdmin() {
		return true, "it has CAP_SYS_ADMIN"
	}
	gid := readSysctl("io_uring_group")
	if gid < 0 {
		return false, "no kernel.io_uring_group is set and the process lacks CAP_SYS_ADMIN"
	}
	groups, _ := os.Getgroups()
	if os.Getegid() == gid || slices.Contains(groups, gid) {
		return true, "it is in kernel.io_uring_group " + strconv.Itoa(gid)
	}
	return false, "the process is not in kernel.io_uring_group " + strconv.Itoa(gid) + " and lacks CAP_SYS_ADMIN"
}

// capSysAdmin reports whether CAP_SYS_ADMIN is in the process's effective capabilities.
func capSysAdmin() bool {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return false
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			caps, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return err == nil && caps&(1<<21) != 0 // CAP_SYS_ADMIN is 21
		}
	}
	return false
}
