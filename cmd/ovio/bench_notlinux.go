//go:build !linux

package main

// directFlag is 0: -direct is refused outside Linux.
const directFlag = 0

// threadsKnown is false: threadCount does not know how to count threads here.
const threadsKnown = false

func threadCount() int { return 0 }

// nopKnown is false: the os side of nop is Linux's getppid.
const nopKnown = false

func osNop() error { return nil }

// treeThreads is 0: threads are not counted here.
func treeThreads(pid int) int { return 0 }
