//go:build linux && !race

package ovio_test

// raceBuild: the race detector is on (see race_test.go).
const raceBuild = false
