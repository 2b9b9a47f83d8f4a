//go:build unix && !linux

package ovio_test

import "testing"

// engineKinds lists the engines the conformance suite runs against on this platform.
func engineKinds(t *testing.T) []string { return []string{"blocking"} }
