//go:build unix && !linux

package ovio

// opSys is an op's engine state: here, the blocking engine's.
type opSys struct {
	blk blockingOp
}

// reset leaves blk alone: the engine clears it before the op completes.
func (s *opSys) reset() {}

// opPad pads op to a multiple of a cache line (TestOpLayout).
const opPad = 0
