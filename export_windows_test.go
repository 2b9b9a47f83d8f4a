package ovio

// The IOCP engine's insides, for the external tests (the fault tests).

import (
	"context"

	"github.com/ovio/ovio/internal/iocp"
)

// The completion keys of the engine's packets.
const (
	KeyIO    = keyIO
	KeyFence = keyFence
	KeyWake  = keyWake
)

// IOCPCounts returns what the IOCP engine e counted beside Ignored: fences dropped because the
// system's packet came first (or a copy of a fence), and packets that came while their call's
// goroutine was still deciding what the call's return meant.
func IOCPCounts(e *Engine) (lateFences, earlyPackets uint64) {
	d := e.drv.(*iocpDriver)
	return d.lateFences.Load(), d.earlyPackets.Load()
}

// OpAddrs returns the addresses of the OVERLAPPEDs of e's ops, in the op table's order.
func OpAddrs(e *Engine) []uintptr {
	var addrs []uintptr
	e.ops.each(func(o *op) { addrs = append(addrs, iocp.Addr(&o.sys.ov)) })
	return addrs
}

// DoHeld runs r as Do does, but keeps its op out of the pool until release is called: its
// OVERLAPPED is not issued again meanwhile, so that a copy of its packet can only find the op
// done. started is called with the OVERLAPPED's address before the op starts.
func DoHeld(e *Engine, ctx context.Context, r Request, started func(ov uintptr)) (n int, release func(), err error) {
	o, err := e.prepare(ctx, &r)
	if err != nil {
		return 0, func() {}, err
	}
	started(iocp.Addr(&o.sys.ov))
	gen := genOf(o.state.Load())
	o.w = &o.own
	o.own.init(1)
	e.drv.start1(o)
	o.own.sleep(ctx, func(err error) { e.cancel(o, gen, causeFor(err)) })
	n, err = o.result()
	return n, func() { e.ops.release(o) }, err
}
