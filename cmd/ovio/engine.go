package main

import (
	"runtime"
	"slices"
	"strings"

	"github.com/ovio/ovio"
)

// engineNames returns the engines -engine takes on this platform, the preferred one first.
func engineNames() []string {
	switch runtime.GOOS {
	case "linux":
		return []string{"io_uring", "blocking"}
	case "windows":
		return []string{"iocp"}
	}
	return []string{"blocking"}
}

// checkEngine refuses an -engine value this platform has no engine for. The empty name leaves
// the choice to ovio.
func checkEngine(cmd, name string) error {
	if name == "" || slices.Contains(engineNames(), name) {
		return nil
	}
	return usagef(cmd, "-engine %s: no such engine here (engines here: %s)", name, strings.Join(engineNames(), ", "))
}

// openEngine opens the engine kind ("" for ovio's choice) with SingleIssuer as asked.
func openEngine(kind string, issuer bool) (*ovio.Engine, error) {
	return ovio.Open(&ovio.Config{Kind: kind, SingleIssuer: issuer})
}

// engineNote says which engine e is and, if it is not the platform's preferred one, why.
func engineNote(e *ovio.Engine) string {
	return e.Kind()
}
