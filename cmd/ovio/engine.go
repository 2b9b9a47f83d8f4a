package main

import (
	"errors"
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

// fallbackNote says why e is not the platform's preferred engine, or "" if it is: "io_uring not
// used: io_uring is forbidden (seccomp or a container policy): ...", or "asked for by -engine"
// when this command's -engine chose it.
func fallbackNote(e *ovio.Engine) string {
	err := e.Fallback()
	if err == nil {
		return ""
	}
	var ee *ovio.EngineError
	if errors.As(err, &ee) && ee.Reason == ovio.ReasonAsked && strings.HasPrefix(ee.Detail, "Config.Kind=") {
		return "asked for by -engine"
	}
	return strings.TrimPrefix(err.Error(), "ovio: ")
}
