package ovio

import (
	"runtime"
	"testing"
	"unsafe"
)

// TestOpLayout: an op fills whole cache lines, so that in a table's chunk (an array of ops) no
// op shares a line with its neighbour, and the fields every op touches sit in its first line.
// opPad, per platform, is what makes the size a multiple of 64; it is tuned where an engine's
// hot path runs (Linux, Windows), and 0 on the other systems, where only the blocking engine
// runs and the padding is not checked.
func TestOpLayout(t *testing.T) {
	var o op
	tuned := runtime.GOOS == "linux" || runtime.GOOS == "windows"
	if size := unsafe.Sizeof(o); tuned && size%64 != 0 {
		t.Errorf("op is %d bytes: set opPad to %d for GOOS of this build", size, (uintptr(opPad)+64-size%64)%64)
	}
	for name, off := range map[string]uintptr{
		"state": unsafe.Offsetof(o.state), "retired": unsafe.Offsetof(o.retired),
		"tbl": unsafe.Offsetof(o.tbl), "n": unsafe.Offsetof(o.n), "err": unsafe.Offsetof(o.err),
		"w": unsafe.Offsetof(o.w), "fut": unsafe.Offsetof(o.fut),
	} {
		if off >= 64 {
			t.Errorf("op.%s at offset %d, outside the op's first cache line", name, off)
		}
	}
}
