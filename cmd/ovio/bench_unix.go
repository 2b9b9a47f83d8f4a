//go:build unix

package main

import (
	"errors"
	"time"

	"golang.org/x/sys/unix"
)

// cpuTime returns the CPU time the process has used, user and system, all threads included.
func cpuTime() time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// allocBuffers returns n bytes of page-aligned memory, as O_DIRECT needs, from an anonymous
// mapping, and the function that unmaps it.
func allocBuffers(n int) ([]byte, func(), error) {
	m, err := unix.Mmap(-1, 0, max(n, 1), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		return nil, nil, err
	}
	return m[:n], func() { unix.Munmap(m) }, nil
}

// startTransient reports whether a process start that failed with err may succeed if tried
// again: fork's EAGAIN (a process or memory limit reached for the moment).
func startTransient(err error) bool {
	return errors.Is(err, unix.EAGAIN)
}
