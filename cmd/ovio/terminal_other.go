//go:build !(aix || linux || solaris || darwin || dragonfly || freebsd || netbsd || openbsd || windows)

package main

import "os"

// isTerminal reports false: no progress line where there is no known way to tell a terminal.
func isTerminal(f *os.File) bool { return false }
