package ovio

import "golang.org/x/sys/windows"

// Handle is what an op names the file by: a windows.Handle here, a file descriptor on Unix.
// An *os.File gives one with Handle(f.Fd()).
type Handle = windows.Handle
