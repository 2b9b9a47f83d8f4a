package iocp

import (
	"testing"

	"github.com/ovio/ovio/internal/leakcheck"
)

// TestMain fails the package's tests if they leave goroutines or handles (a port, a file, an
// event not closed) behind.
func TestMain(m *testing.M) { leakcheck.Main(m) }
