package ovio

import (
	"errors"
	"io/fs"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestParseKind(t *testing.T) {
	for _, c := range []struct {
		kind, goos string
		want       error // nil, fs.ErrInvalid or ErrNotSupported
	}{
		{"", "linux", nil},
		{"io_uring", "linux", nil},
		{"blocking", "linux", nil},
		{"iocp", "linux", ErrNotSupported},
		{"iocp", "windows", nil},
		{"io_uring", "windows", ErrNotSupported},
		{"blocking", "windows", ErrNotSupported},
		{"blocking", "darwin", nil},
		{"blocking", "freebsd", nil},
		{"io_uring", "darwin", ErrNotSupported},
		{"IO_URING", "linux", fs.ErrInvalid},
		{" blocking", "linux", fs.ErrInvalid},
		{"uring", "linux", fs.ErrInvalid},
		{"auto", "linux", fs.ErrInvalid},
	} {
		err := parseKind(c.kind, "OVIO_ENGINE", c.goos)
		if c.want == nil {
			if err != nil {
				t.Errorf("parseKind(%q, %s): %v", c.kind, c.goos, err)
			}
			continue
		}
		if !errors.Is(err, c.want) {
			t.Errorf("parseKind(%q, %s) = %v, want an error matching %v", c.kind, c.goos, err, c.want)
			continue
		}
		// The error names where the value came from and lists the valid ones.
		msg := err.Error()
		if !strings.Contains(msg, "OVIO_ENGINE") || !strings.Contains(msg, strings.Join(platformEngines(c.goos), ", ")) {
			t.Errorf("parseKind(%q, %s): %q does not name OVIO_ENGINE and the engines of %s", c.kind, c.goos, msg, c.goos)
		}
	}
}

// FuzzParseKind checks that any value is either an engine of the platform or refused with an
// error that lists those engines.
func FuzzParseKind(f *testing.F) {
	for _, s := range []string{"", "io_uring", "iocp", "blocking", "nonsense", "io_uring\x00", "Blocking"} {
		f.Add(s)
	}
	valid := platformEngines(runtime.GOOS)
	f.Fuzz(func(t *testing.T, s string) {
		err := parseKind(s, "Config.Kind", runtime.GOOS)
		ok := s == "" || slices.Contains(valid, s)
		if ok != (err == nil) {
			t.Fatalf("parseKind(%q) = %v", s, err)
		}
		if err != nil {
			if !errors.Is(err, fs.ErrInvalid) && !errors.Is(err, ErrNotSupported) {
				t.Fatalf("parseKind(%q) = %v: neither an argument error nor ErrNotSupported", s, err)
			}
			for _, v := range valid {
				if !strings.Contains(err.Error(), v) {
					t.Fatalf("parseKind(%q) = %q: does not list %s", s, err, v)
				}
			}
		}
	})
}
