package ovio

import (
	"context"
	"errors"
	"io/fs"
	"runtime"
	"testing"
)

// FuzzConfig opens engines from any Config: Open either refuses it with an argument error,
// ErrNotSupported or an *EngineError, or returns an engine that runs an op and closes cleanly. Sizes are cut to what a
// fuzzing process can afford to open many times; their signs and edges are what matter.
func FuzzConfig(f *testing.F) {
	f.Add("", 0, 0, 0, false)
	f.Add("", 1<<16, 0, 0, false) // beyond the kernel's SQ limit: clamped, not refused
	f.Add("blocking", 1, 1, 1, false)
	f.Add("io_uring", 1<<20, 3, -1, true)
	f.Add("iocp", -5, 0, 0, false)
	f.Add("nonsense", 0, -1, 0, false)
	// What an unconfigured engine is here, with and without SingleIssuer (which needs Linux 6.1
	// and so may fall back where the plain ring does not): a valid Config must give the same.
	var want [2]string
	for i, single := range []bool{false, true} {
		e, err := Open(&Config{SingleIssuer: single})
		if err != nil {
			f.Fatal(err)
		}
		want[i] = e.Kind()
		e.Close()
	}
	f.Fuzz(func(t *testing.T, kind string, entries, maxInFlight, workers int, single bool) {
		cfg := &Config{
			Kind:         kind,
			Entries:      clampFuzz(entries, 1<<16),
			MaxInFlight:  clampFuzz(maxInFlight, 1<<20),
			Workers:      clampFuzz(workers, 64),
			SingleIssuer: single,
		}
		e, err := Open(cfg)
		if err != nil {
			var ee *EngineError
			if !errors.Is(err, fs.ErrInvalid) && !errors.Is(err, ErrNotSupported) && !errors.As(err, &ee) {
				t.Fatalf("Open(%+v) = %v: not an argument error, ErrNotSupported or an *EngineError", cfg, err)
			}
			if cfg.Entries >= 0 && cfg.MaxInFlight >= 0 && cfg.Workers >= 0 && (kind == "" || kind == want[b2i(single)] || kind == "blocking" && runtime.GOOS != "windows") {
				t.Fatalf("Open(%+v) = %v: a valid Config refused", cfg, err)
			}
			return
		}
		defer func() {
			if err := e.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
		}()
		if cfg.Entries < 0 || cfg.MaxInFlight < 0 || cfg.Workers < 0 {
			t.Fatalf("Open(%+v) accepted a negative size", cfg)
		}
		if kind == "" && e.Kind() != want[b2i(single)] {
			t.Fatalf("Open(%+v): engine %q, want %q as with the default sizes (Fallback: %v)", cfg, e.Kind(), want[b2i(single)], e.Fallback())
		}
		if kind != "" && e.Kind() != kind {
			t.Fatalf("Open(%+v): engine %q", cfg, e.Kind())
		}
		if _, err := e.Do(context.Background(), Nop()); err != nil {
			t.Fatalf("Nop on %+v: %v", cfg, err)
		}
	})
}

// clampFuzz keeps v's sign and maps it into [-limit, limit].
func clampFuzz(v, limit int) int {
	if v < -limit || v > limit {
		v %= limit + 1
	}
	return v
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
