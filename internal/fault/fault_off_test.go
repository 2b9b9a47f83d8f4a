//go:build !ovio_faults

package fault

import "testing"

func TestDisabled(t *testing.T) {
	if Enabled {
		t.Fatal("Enabled is true in a build without the ovio_faults tag")
	}
}
