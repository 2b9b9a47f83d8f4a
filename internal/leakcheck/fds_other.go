//go:build !windows

package leakcheck

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

func countFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	n := 0
	for _, e := range ents {
		if fd, _ := strconv.Atoi(e.Name()); raceEnabled && fd >= 250 {
			continue // the race runtime's own pipe (see race.go)
		}
		n++
	}
	return n - 1 // the directory's own descriptor
}

func fdList() string {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return ""
	}
	var b strings.Builder
	b.WriteString("\nopen file descriptors:")
	for _, e := range ents {
		target, _ := os.Readlink("/proc/self/fd/" + e.Name())
		fmt.Fprintf(&b, "\n  %s -> %s", e.Name(), target)
	}
	return b.String()
}
