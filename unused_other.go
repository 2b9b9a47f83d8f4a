//go:build unix && !linux

package ovio

// The op lifecycle has parts that only the completion engines use (pinning memory the kernel
// holds, handing ops to a reaper, looking ops up by index, checking what Prep keeps). The blocking engine, the only one
// here, needs none of them: its system calls take Go memory for their duration only.
var (
	_ = (*op).markAsync
	_ = (*op).pinRequest
	_ = (*opTable).get
	_ = pinAny
	_ = checkKeep
)
