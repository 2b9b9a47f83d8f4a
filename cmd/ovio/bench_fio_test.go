package main

import (
	"runtime"
	"testing"
)

// TestBenchFio runs fio beside os.File and ovio with -fio: a fio row for each read or write
// workload, ovio's IOPS over fio's, and a note for nop, which fio has not.
func TestBenchFio(t *testing.T) {
	t.Parallel()
	// Without fio on PATH, -fio is refused, saying why.
	run0 := runIn(t, "", []string{"PATH=" + t.TempDir()}, benchArgs("-fio")...)
	if runtime.GOOS != "linux" {
		run0.expect(t, exitUsage, nil, []string{"-fio: fio's io_uring engine is Linux only"})
		return
	}
	run0.expect(t, exitUsage, nil, []string{"-fio: fio is not on PATH"})
	if why := fioCheck(); why != "" {
		t.Skipf("-fio: %s", why)
	}

	tmp, env := tmpEnv(t)
	r := runIn(t, "", env, benchArgs("-fio", "-workload", "randread,randwrite,nop", "-depth", "4", "-json")...)
	r.expect(t, exitOK, nil, nil)
	fio, vs := 0, 0
	for _, p := range phases(t, r.stdout) {
		switch p["side"] {
		case "fio":
			fio++
			if p["engine"] != "fio io_uring" || p["depth"] != 4.0 || p["block_size"] != 4096.0 ||
				p["iops"].(float64) <= 0 || p["cpu_us_per_op"].(float64) <= 0 || p["threads"].(float64) < 1 ||
				p["p50_us"].(float64) <= 0 || p["p99_us"].(float64) < p["p50_us"].(float64) {
				t.Errorf("fio phase: %v", p)
			}
			if p["workload"] == "nop" {
				t.Errorf("fio ran nop: %v", p)
			}
		case "ovio":
			if _, ok := p["vs_fio"]; ok {
				vs++
			} else if p["workload"] != "nop" {
				t.Errorf("ovio phase without vs_fio: %v", p)
			}
		}
	}
	if fio != 2 || vs != 2 {
		t.Errorf("%d fio phases and %d ovio phases beside them, want 2 and 2\n%v", fio, vs, r)
	}
	expectEmpty(t, tmp)

	r = runIn(t, "", env, benchArgs("-fio", "-workload", "randread,nop", "-depth", "2")...)
	r.expect(t, exitOK, []string{"vs fio", "fio io_uring", "nop depth 2: fio has no such workload"}, nil)
	expectEmpty(t, tmp)
}
