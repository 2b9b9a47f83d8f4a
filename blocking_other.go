//go:build unix && !linux

package ovio

// The blocking engine's system calls on the Unixes other than Linux.

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// execSys runs the ops only some platforms have: none here.
func execSys(o *op) (int, error) {
	return 0, notSupported(opNames[o.req.code] + " on the blocking engine")
}

// streamSys reads or writes at the current position if poll(2) says the descriptor is ready,
// and reports ready = false otherwise.
func (w *worker) streamSys(o *op, write bool, bufs [][]byte) (n int, err error, ready bool) {
	return w.pollStream(o, write, bufs)
}

// setTry leaves the engine without a first attempt outside the pool: these systems have no
// RWF_NOWAIT.
func (d *blockingDriver) setTry() {}

// newWakeFD returns a pipe, nonblocking at both ends: a write makes the read end readable until
// a read drains it.
func newWakeFD() (wakeFD, error) {
	var p [2]int
	syscall.ForkLock.RLock()
	err := unix.Pipe(p[:])
	if err == nil {
		unix.CloseOnExec(p[0])
		unix.CloseOnExec(p[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return noWakeFD, err
	}
	unix.SetNonblock(p[0], true)
	unix.SetNonblock(p[1], true)
	return wakeFD{p[0], p[1]}, nil
}
