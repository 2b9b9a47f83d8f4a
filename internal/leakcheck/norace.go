//go:build !race && !windows

package leakcheck

const raceEnabled = false
