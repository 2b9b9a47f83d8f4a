package ovio_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ovio/ovio"
)

// TestBlockingPrep: the blocking engine has no SQEs to fill.
func TestBlockingPrep(t *testing.T) {
	e := openEngine(t, "blocking", nil)
	called := false
	_, err := e.Do(context.Background(), ovio.Prep(func(*ovio.SQE) { called = true }))
	var oe *ovio.OpError
	if !errors.Is(err, ovio.ErrNotSupported) || !errors.As(err, &oe) || oe.Op != "native" {
		t.Errorf("Prep on the blocking engine: %v, want ErrNotSupported", err)
	}
	if called {
		t.Error("the blocking engine called the prep function")
	}
	results := make([]ovio.Result, 2)
	e.DoBatch(context.Background(), []ovio.Request{ovio.Nop(), ovio.Prep((*ovio.SQE).PrepNop)}, results)
	if results[0].Err != nil || !errors.Is(results[1].Err, ovio.ErrNotSupported) {
		t.Errorf("a batch with a Prep: %v, %v", results[0].Err, results[1].Err)
	}
}
