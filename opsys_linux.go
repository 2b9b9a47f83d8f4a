package ovio

import (
	"runtime"

	"github.com/ovio/ovio/internal/uring"
	"golang.org/x/sys/unix"
)

// opSys is an op's scratch on Linux: what the io_uring engine builds for the kernel, kept in the
// op so that it lives on the heap, pinned, until the completion; and the blocking engine's state.
type opSys struct {
	sqe     uring.SQE
	linked  bool // a linked timeout follows the SQE
	hasMore bool // a completion with IORING_CQE_F_MORE came; moreRes is its result
	moreRes int32
	// pubGen is the generation whose entry io_uring's queue took last: the op is published
	// while pubGen is its pending generation. Written and read under the driver's sqMu only,
	// and kept by reset, so that it needs no atomic (see uringDriver.queue).
	pubGen  uint32
	iov     []unix.Iovec
	path    []byte
	ts, lts unix.Timespec
	blk     blockingOp // the blocking engine's
}

// opPad pads op to a multiple of a cache line (TestOpLayout).
const opPad = 16

func (s *opSys) reset() {
	clear(s.iov) // drop the pointers to the caller's buffers
	s.iov = s.iov[:0]
	s.linked, s.hasMore = false, false
}

func (s *reqSys) pin(p *runtime.Pinner) {
	if s.stat != nil {
		p.Pin(s.stat)
	}
	if len(s.keep) > 0 {
		pinKeep(p, s.keep) // out of line, so that this inlines into every op's start
	}
}

func pinKeep(p *runtime.Pinner, keep []any) {
	for _, k := range keep {
		pinAny(p, k)
	}
}
