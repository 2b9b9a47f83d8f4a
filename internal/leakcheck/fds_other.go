//go:build !windows

package leakcheck

import (
	"os"
	"strconv"
)

// takeFDs lists the open file descriptors, each with what /proc/self/fd says it refers to. The
// set, not the count, is compared (see fdSet): descriptors open at the snapshot are the
// process's whatever their number, such as those the shell that ran go test passes down (bash
// keeps pipes at 250 and up, which reach the test binary), and every descriptor opened since
// counts, whatever its number.
func takeFDs() (int, fdSet) {
	d, err := os.Open("/proc/self/fd")
	if err != nil {
		return -1, nil
	}
	defer d.Close()
	own := -1 // the directory's own descriptor is no part of the set
	if rc, err := d.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) { own = int(fd) })
	}
	names, err := d.Readdirnames(-1)
	if err != nil {
		return -1, nil
	}
	set := fdSet{}
	for _, name := range names {
		fd, err := strconv.Atoi(name)
		if err != nil || fd == own {
			continue
		}
		target, err := os.Readlink("/proc/self/fd/" + name)
		if err != nil {
			continue // closed since the listing
		}
		set[fd] = target
	}
	return len(set), set
}
