package main

import (
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// directFlag is the open flag of -direct: O_DIRECT.
const directFlag = unix.O_DIRECT

// threadsKnown says whether threadCount can count the process's OS threads.
const threadsKnown = true

// threadCount returns the OS threads of this process now, from /proc/self/status; the kernel's
// io_uring workers (iou-wrk, iou-sqp) are threads of the process and count.
func threadCount() int { return procThreads(os.Getpid()) }

// nopKnown says whether osNop exists here.
const nopKnown = true

// osNop is the os side of the nop workload: a system call that does nothing (getppid), made
// through syscall.Syscall as a blocking call is, so that the runtime hands the P off around it as
// it does around a read.
func osNop() error {
	_, _, errno := syscall.Syscall(syscall.SYS_GETPPID, 0, 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// treeThreads returns the OS threads of process pid and of its descendants (fio runs a job in a
// process of its own), 0 if it is gone.
func treeThreads(pid int) int {
	n := procThreads(pid)
	if n == 0 {
		return 0
	}
	tasks, _ := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	for _, t := range tasks {
		kids, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + t.Name() + "/children")
		for _, k := range strings.Fields(string(kids)) {
			if c, err := strconv.Atoi(k); err == nil {
				n += treeThreads(c)
			}
		}
	}
	return n
}

// procThreads returns the OS threads of process pid, from /proc/PID/status; 0 if it is gone.
func procThreads(pid int) int {
	s, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(s), "\n") {
		if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}
