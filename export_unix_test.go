//go:build unix

package ovio

// The blocking engine's insides, for the external tests (the fault tests).

// BlockingCounts returns what the blocking engine e counted: what cancels met (an op in the
// queue, an op parked in the poller, an op a worker had taken and found cancelled before its
// call, an op that found itself cancelled when it would have parked), and the parked ops the
// poller put back in the queue.
func BlockingCounts(e *Engine) map[string]uint64 {
	d := e.drv.(*blockingDriver)
	return map[string]uint64{
		"cancel: queued":  d.cancelQueued.Load(),
		"cancel: parked":  d.cancelParked.Load(),
		"cancel: taken":   d.cancelTaken.Load(),
		"cancel: at park": d.cancelAtPark.Load(),
		"requeued":        d.requeued.Load(),
	}
}

// SetPollOnly makes the blocking engine e take the portable path for streams (poll, then the
// plain call) where Linux has RWF_NOWAIT. Call it before e runs any op.
func SetPollOnly(e *Engine) { e.drv.(*blockingDriver).pollOnly = true }
