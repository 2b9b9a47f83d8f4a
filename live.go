package ovio

import (
	"sync"
	"weak"
)

// live remembers the engines of the process, weakly, so that the tests' leak check can count the
// ops in flight and the memory pinned across all of them (export_test.go). An engine is added
// by Open and forgotten when the garbage collector frees it; closed engines stay until then, so
// that a pin a closed engine failed to drop is still seen.
var live struct {
	mu      sync.Mutex
	engines []weak.Pointer[Engine]
}

// trackEngine adds e to live, dropping the engines already freed. Open calls it once per engine,
// so the walk costs nothing that matters.
func trackEngine(e *Engine) {
	live.mu.Lock()
	defer live.mu.Unlock()
	keep := live.engines[:0]
	for _, w := range live.engines {
		if w.Value() != nil {
			keep = append(keep, w)
		}
	}
	clear(live.engines[len(keep):])
	live.engines = append(keep, weak.Make(e))
}

// liveEngines returns the engines not yet freed.
func liveEngines() []*Engine {
	live.mu.Lock()
	defer live.mu.Unlock()
	var es []*Engine
	for _, w := range live.engines {
		if e := w.Value(); e != nil {
			es = append(es, e)
		}
	}
	return es
}
