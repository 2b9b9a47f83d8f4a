//go:build unix

package ovio

// Handle is what an op names the file by: a file descriptor here, a windows.Handle on Windows.
// An *os.File gives one with Handle(f.Fd()).
type Handle = int
