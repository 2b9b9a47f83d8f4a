package main

import (
	"context"

	"github.com/ovio/ovio"
)

// cfHydrate hydrates the range [off, off+length) of the placeholder h (length -1: to its end)
// with CfHydratePlaceholder, awaited on e.
//
// It waits for the IOCP engine (issue 3), which brings ovio.CfHydratePlaceholder; until then it
// reports that the call is not supported.
func cfHydrate(ctx context.Context, e *ovio.Engine, h ovio.Handle, off, length int64) error {
	return &ovio.OpError{Op: "CfHydratePlaceholder", Err: ovio.ErrNotSupported}
}
