package main

import "testing"

func TestParseSize(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
	}{
		{"0", 0}, {"4096", 4096}, {"4k", 4096}, {"4K", 4096}, {"4KiB", 4096}, {"4kb", 4096},
		{"1M", 1 << 20}, {"1MiB", 1 << 20}, {"2G", 2 << 30}, {"1t", 1 << 40}, {"512B", 512}, {" 8k ", 8192},
	} {
		got, err := parseSize(c.in)
		if err != nil || got != c.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "k", "-1", "4q", "1.5M", "99999999999T"} {
		if n, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) = %d, want an error", bad, n)
		}
	}
}

func TestFormatSize(t *testing.T) {
	for _, n := range []int64{0, 1, 512, 4096, 6144, 1 << 20, 3 << 29, 1 << 30, 1<<30 + 1, 5 << 40} {
		s := formatSize(n)
		if back, err := parseSize(s); err != nil || back != n {
			t.Errorf("formatSize(%d) = %q, which reads back as %d", n, s, back)
		}
	}
	for n, want := range map[int64]string{4096: "4K", 1 << 20: "1M", 1 << 30: "1G", 1536: "1536", 3 << 29: "1536M", 100: "100"} {
		if got := formatSize(n); got != want {
			t.Errorf("formatSize(%d) = %q, want %q", n, got, want)
		}
	}
}
