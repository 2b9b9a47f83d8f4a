package ovio

import (
	"sync"
	"sync/atomic"

	"golang.org/x/sys/windows"
)

// opSys is an op's scratch on Windows. It lives in the op, so in a chunk of the engine's op table,
// allocated once per engine on the heap and alive as long as the engine: the OVERLAPPED is never on
// a goroutine stack and its address never changes. The driver pins it from publish to the packet.
type opSys struct {
	ov   windows.Overlapped // the kernel's from publish until the completion is reaped
	done uint32             // the lpNumberOf...: arguments the x/sys wrappers want; the count comes from ov

	// Written by the starting goroutine before publish, read by cancel and the completion
	// goroutine after they saw flagPublished.
	h  Handle // the handle CancelIoEx names
	io bool   // a native call was made with ov (not a Nop): CancelIoEx applies

	// uncertain: the start function panicked with ov saying STATUS_PENDING, so the call may be
	// in flight or may have failed at once; a CancelIoEx that finds nothing settles it.
	uncertain atomic.Bool

	// mu is held by cancel around its CancelIoEx, and by reset: an op cannot return to the pool,
	// and its OVERLAPPED be issued again, while a CancelIoEx that names it is under way, so a
	// late cancel never hits the next use of the OVERLAPPED.
	mu sync.Mutex

	// phase says who may complete the op's current use (see engine_iocp_windows.go): while the
	// starting goroutine decides what its call's return means, a packet is parked in pktN and
	// pktStatus rather than delivered.
	phase     atomic.Uint32
	pktN      int64
	pktStatus uint32

	// A fence: the result of a call that returned synchronously, for a packet that may or may not
	// follow it. fenceGen is stored after syncN and syncErr and loaded before them.
	fenceGen atomic.Uint32
	syncN    int64
	syncErr  error
}

// The phases of an op's use.
const (
	phaseCalling = iota // the starting goroutine makes the call and reads its outcome
	phaseIssued         // the starting goroutine is done with the op: packets complete it
	phasePacket         // a packet came while calling: the starting goroutine completes the op with it
)

func (s *opSys) reset() {
	s.mu.Lock()
	s.syncErr = nil
	s.mu.Unlock()
}

// opPad pads op to a multiple of a cache line (TestOpLayout).
const opPad = 8
