package main

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestHydrate(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "windows" {
		r := run(t, "hydrate", "anything")
		r.expect(t, exitFailure, nil, []string{"ovio hydrate: Windows only (Cloud Files API)"})
		if r.stdout != "" {
			t.Errorf("stdout: %q", r.stdout)
		}
		return
	}
	run(t, "hydrate").expect(t, exitUsage, nil, []string{"no PATH given"})
	// A plain file, where the Cloud Files API is missing (Wine) or the file is no placeholder
	// (Windows): either way a clean report, not a crash.
	dir := t.TempDir()
	f := filepath.Join(dir, "plain")
	if err := os.WriteFile(f, []byte("local"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, "hydrate", f)
	switch r.code {
	case exitOK:
		r.expect(t, exitOK, nil, nil) // not a placeholder: skipped
	default:
		r.expect(t, exitFailure, nil, []string{"ovio hydrate: no Cloud Files API on this system: ", "not supported"})
	}
	missing := filepath.Join(dir, "missing")
	run(t, "hydrate", missing).expect(t, exitFailure, nil, []string{missing})
}
