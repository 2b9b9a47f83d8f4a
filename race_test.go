//go:build linux && race

package ovio_test

// raceBuild: the race detector is on. It changes allocation counts (x/sys hands buffers to it,
// which makes them escape; sync.Pool drops some of what it is given), so tests of allocation
// counts skip under it.
const raceBuild = true
