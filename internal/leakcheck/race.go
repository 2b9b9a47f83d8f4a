//go:build race && !windows

package leakcheck

// The race runtime (ThreadSanitizer) opens a pipe of its own at a high descriptor, at a moment
// of its choosing.
const raceEnabled = true
