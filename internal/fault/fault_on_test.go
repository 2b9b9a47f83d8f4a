//go:build ovio_faults

package fault

import "testing"

func TestSetRestore(t *testing.T) {
	if !Enabled {
		t.Fatal("Enabled is false in a build with the ovio_faults tag")
	}
	a, b := &Hooks{CQEntries: 1}, &Hooks{CQEntries: 2}
	restoreA := Set(a)
	restoreB := Set(b)
	if Load() != b {
		t.Fatal("Load does not return the hooks last set")
	}
	restoreB()
	if Load() != a {
		t.Fatal("restore did not put back the hooks it replaced")
	}
	restoreA()
	if Load() != nil {
		t.Fatal("hooks remain after every restore")
	}
}
