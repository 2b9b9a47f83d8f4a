package uring

import (
	"testing"

	"github.com/ovio/ovio/internal/leakcheck"
)

// TestMain fails the package's tests if they leave goroutines or file descriptors (a ring not
// closed) behind.
func TestMain(m *testing.M) { leakcheck.Main(m) }
