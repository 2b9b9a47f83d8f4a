package ovio_test

import (
	"testing"

	"github.com/ovio/ovio"
	"github.com/ovio/ovio/internal/leakcheck"
)

func TestMain(m *testing.M) {
	// The default engine lives as long as the process: open it before counting.
	ovio.Default()
	leakcheck.Main(m, ovio.LeakCounters()...)
}
