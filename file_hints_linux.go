package ovio

import "syscall"

// rwHints returns the hints for the reads and writes of a file opened with flag. A descriptor
// without O_DIRECT may try the page cache first (rwNowait): with O_DIRECT, RWF_NOWAIT does not
// keep the call off the device, and the attempt would block the thread for the whole transfer.
func rwHints(flag int) uint8 {
	if flag&syscall.O_DIRECT != 0 {
		return 0
	}
	return rwNowait
}
