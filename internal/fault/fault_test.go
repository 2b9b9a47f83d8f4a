package fault

import (
	"testing"

	"github.com/ovio/ovio/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }
