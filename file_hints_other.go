//go:build !linux

package ovio

// rwHints returns the hints for the reads and writes of a file opened with flag: none here, where
// no engine tries the page cache first.
func rwHints(flag int) uint8 { return 0 }
