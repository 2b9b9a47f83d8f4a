//go:build linux

package uring

import (
	"math/bits"
	"strings"
	"testing"
)

// FuzzNames fuzzes the decoders of kernel values into names: one name per feature bit, each
// distinct and non-empty, and a name for every opcode.
func FuzzNames(f *testing.F) {
	f.Add(uint32(0), uint8(0))
	f.Add(^uint32(0), uint8(255))
	f.Add(uint32(FeatNodrop|FeatExtArg), uint8(OpSendZC))
	f.Fuzz(func(t *testing.T, feat uint32, op uint8) {
		names := FeatureNames(feat)
		if len(names) != bits.OnesCount32(feat) {
			t.Fatalf("FeatureNames(%#x): %d names for %d bits", feat, len(names), bits.OnesCount32(feat))
		}
		seen := map[string]bool{}
		for _, n := range names {
			if n == "" || seen[n] {
				t.Fatalf("FeatureNames(%#x): empty or repeated name in %v", feat, names)
			}
			seen[n] = true
		}
		if n := OpName(op); n == "" || strings.ContainsAny(n, " \n") {
			t.Fatalf("OpName(%d) = %q", op, n)
		}
	})
}
