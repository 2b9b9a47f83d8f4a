//go:build unix

package main

import (
	"os/exec"
	"syscall"
	"time"
)

// ownGroup starts cmd in a process group of its own, as a shell's job is.
func ownGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

// interruptGroup sends SIGINT to cmd's whole process group, as Ctrl-C on a terminal does.
func interruptGroup(cmd *exec.Cmd) error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGINT) }

// interruptGroupTwice is interruptGroup twice, 20 ms apart.
func interruptGroupTwice(cmd *exec.Cmd) error {
	if err := interruptGroup(cmd); err != nil {
		return err
	}
	time.Sleep(20 * time.Millisecond)
	return interruptGroup(cmd)
}

// transientStartErr is an error a process start can fail with for the moment.
var transientStartErr error = syscall.EAGAIN
