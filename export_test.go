package ovio

// What the external tests (package ovio_test) may see of the engine's insides.

import (
	"reflect"

	"github.com/ovio/ovio/internal/leakcheck"
)

// LeakCounters are the counts the leak check in TestMain compares before and after the tests,
// beside goroutines and file descriptors: ops in flight and pointers pinned for the kernel, over
// every engine not yet garbage collected. An engine collected with pins still held crashes the
// process instead (the runtime's Pinner finalizer panics), so no pin escapes both.
func LeakCounters() []leakcheck.Counter {
	return []leakcheck.Counter{
		{Name: "ops in flight", Count: func() int {
			n := 0
			for _, e := range liveEngines() {
				n += e.ops.inFlight()
			}
			return n
		}},
		{Name: "pinned pointers", Count: func() int {
			n := 0
			for _, e := range liveEngines() {
				k := PinnedPointers(e)
				if k < 0 {
					return -1
				}
				n += k
			}
			return n
		}},
	}
}

// PinnedPointers counts the pointers e's ops hold pinned, or returns -1 where this Go release's
// runtime.Pinner has a layout the count does not know. Only read it when no op of e is being
// started or completed: it reads the pinners without synchronisation.
func PinnedPointers(e *Engine) int {
	n := 0
	known := true
	e.ops.each(func(o *op) {
		if k := pinnedIn(&o.pin); k < 0 {
			known = false
		} else {
			n += k
		}
	})
	if !known {
		return -1
	}
	return n
}

// pinnedIn reads len(p.pinner.refs): runtime.Pinner is struct{ *pinner } and pinner holds the
// pinned pointers in refs; Unpin empties it, or hands the pinner to a cache and sets it nil.
func pinnedIn(p any) int {
	v := reflect.ValueOf(p).Elem()
	if v.Kind() != reflect.Struct || v.NumField() != 1 || v.Field(0).Kind() != reflect.Pointer {
		return -1
	}
	pp := v.Field(0)
	if pp.IsNil() {
		return 0
	}
	refs := pp.Elem().FieldByName("refs")
	if !refs.IsValid() || refs.Kind() != reflect.Slice {
		return -1
	}
	return refs.Len()
}

// ReadAtNowait and WriteAtNowait are ReadAt and WriteAt marked for a descriptor known not to be
// O_DIRECT, as File marks them.
func ReadAtNowait(h Handle, p []byte, off int64) Request {
	r := ReadAt(h, p, off)
	r.rw |= rwNowait
	return r
}

func WriteAtNowait(h Handle, p []byte, off int64) Request {
	r := WriteAt(h, p, off)
	r.rw |= rwNowait
	return r
}
