//go:build !windows

package main

import "context"

const hydrateUsage = `Usage: ovio hydrate [flags] PATH...

Hydrates Windows cloud-file placeholders (OneDrive and other Cloud Files API
providers): fetches their contents so that they are available offline, with
CfHydratePlaceholder awaited through ovio. Windows only: elsewhere it exits
with status 1.
`

// runHydrate says that hydrate is Windows only: exit status 1, since the command line may well
// be right, only on the wrong system. -h still prints the usage.
func runHydrate(ctx context.Context, c *cli, args []string) error {
	flags := c.newFlags("hydrate", hydrateUsage)
	if err := flags.parse(args); err != nil {
		return err
	}
	return &failedError{"Windows only (Cloud Files API)"}
}
