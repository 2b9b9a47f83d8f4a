package main

import (
	"errors"
	"time"

	"golang.org/x/sys/windows"
)

// cpuTime returns the CPU time the process has used, user and kernel, all threads included.
func cpuTime() time.Duration {
	var creation, exit, kernel, user windows.Filetime
	if err := windows.GetProcessTimes(windows.CurrentProcess(), &creation, &exit, &kernel, &user); err != nil {
		return 0
	}
	ft := func(t windows.Filetime) time.Duration {
		return time.Duration((int64(t.HighDateTime)<<32 | int64(t.LowDateTime)) * 100)
	}
	return ft(kernel) + ft(user)
}

// allocBuffers returns n bytes of memory; -direct, which needs it aligned, is Linux only.
func allocBuffers(n int) ([]byte, func(), error) {
	return make([]byte, n), func() {}, nil
}

// startTransient reports whether a process start that failed with err may succeed if tried
// again. Wine's CreateProcess answers ERROR_INTERNAL_ERROR when the new process died while it
// initialised, which a loaded machine occasionally makes happen (seen in CI with the race
// runtime, whose start-up maps much memory).
func startTransient(err error) bool {
	return errors.Is(err, windows.ERROR_INTERNAL_ERROR)
}
