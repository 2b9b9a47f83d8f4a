package main

import (
	"context"

	"github.com/ovio/ovio"
)

// cfHydrate hydrates the range [off, off+length) of the placeholder h (length -1: to its end)
// with CfHydratePlaceholder (CF_HYDRATE_FLAG_NONE), awaited on e: cancelling ctx cancels the call
// with CancelIoEx. Where cldapi.dll is missing (before Windows 10 1709, under Wine) the error
// matches ovio.ErrNotSupported.
func cfHydrate(ctx context.Context, e *ovio.Engine, h ovio.Handle, off, length int64) error {
	_, err := e.Do(ctx, ovio.CfHydratePlaceholder(h, off, length, 0))
	return err
}
