package main

// -fio: fio's io_uring engine as a peer row, on the same file with the same workload, so that
// issue 8's "4 KiB O_DIRECT random reads at 128 in flight, >= 95% of fio" is one command:
//
//	ovio bench -fio -direct -workload randread -depth 128
//
// fio runs as a child process (Debian's package fio), one job keeping -depth ops in flight from
// one thread, and reports its own figures in JSON; ovio bench takes them as they are.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"
)

// fioSide is phaseSpec.Side for a fio phase, which the parent runs itself.
const fioSide = "fio"

// fioRW maps a workload to fio's rw, or "" if fio has no equivalent (nop).
var fioRW = map[string]string{"randread": "randread", "randwrite": "randwrite", "read": "read", "write": "write"}

// fioCheck says why -fio cannot run here, or "".
func fioCheck() string {
	if runtime.GOOS != "linux" {
		return "fio's io_uring engine is Linux only"
	}
	if _, err := exec.LookPath("fio"); err != nil {
		return "fio is not on PATH (Debian: apt-get install fio)"
	}
	return ""
}

// fioArgs returns fio's command line for spec.
func fioArgs(spec *phaseSpec) []string {
	direct := "0"
	if spec.Direct {
		direct = "1"
	}
	return []string{
		"--name=ovio-bench", "--filename=" + spec.File, "--size=" + strconv.FormatInt(spec.Size, 10),
		"--ioengine=io_uring", "--direct=" + direct, "--rw=" + fioRW[spec.Workload],
		"--bs=" + strconv.FormatInt(spec.BS, 10), "--iodepth=" + strconv.Itoa(spec.Depth), "--numjobs=1",
		"--time_based", "--runtime=" + fioTime(spec.Duration), "--ramp_time=" + fioTime(spec.Warmup),
		// fio drops the file's page cache before a run unless told not to: the page-cache
		// workloads would then read from the device, and the other sides' cache would be gone.
		"--invalidate=0",
		"--lat_percentiles=1", "--output-format=json",
	}
}

// fioTime is d as fio reads a time: in milliseconds, at least 1.
func fioTime(d time.Duration) string { return strconv.FormatInt(max(d.Milliseconds(), 1), 10) + "ms" }

// fioOut is the part of fio's JSON output that ovio bench reads.
type fioOut struct {
	Jobs []struct {
		Error  int     `json:"error"`
		Read   fioDir  `json:"read"`
		Write  fioDir  `json:"write"`
		UsrCPU float64 `json:"usr_cpu"` // percent of one CPU over the job's run
		SysCPU float64 `json:"sys_cpu"`
	} `json:"jobs"`
}

type fioDir struct {
	IOBytes  int64   `json:"io_bytes"`
	IOPS     float64 `json:"iops"`
	BW       float64 `json:"bw_bytes"`
	Runtime  int64   `json:"runtime"` // ms
	TotalIOs uint64  `json:"total_ios"`
	Lat      struct {
		Mean       float64            `json:"mean"`
		Percentile map[string]float64 `json:"percentile"`
	} `json:"lat_ns"`
}

// runFio runs spec with fio and returns what fio measured. IOPS, MiB/s, latency (submission to
// completion, lat_ns) and CPU come from fio's report: its CPU is the job process's user and
// system time (getrusage RUSAGE_SELF: its io_uring workers included), over the measured time.
// Threads is the peak of fio's processes' OS threads, sampled by ovio bench.
func runFio(ctx context.Context, spec *phaseSpec) (*phaseResult, error) {
	if why := fioCheck(); why != "" {
		return nil, errors.New(why)
	}
	if fioRW[spec.Workload] == "" {
		return nil, fmt.Errorf("fio has no %s workload", spec.Workload)
	}
	cmd := exec.Command("fio", fioArgs(spec)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	var peak atomic.Int64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			if n := int64(treeThreads(cmd.Process.Pid)); n > peak.Load() {
				peak.Store(n)
			}
			select {
			case <-done:
				return
			case <-ctx.Done():
				cmd.Process.Signal(os.Interrupt) // fio stops and reports what it measured
				<-done
				return
			case <-t.C:
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	<-sampled
	out := stdout.Bytes()
	if i := bytes.IndexByte(out, '{'); i > 0 {
		out = out[i:] // fio may print notes before its JSON
	}
	var fo fioOut
	if jerr := json.Unmarshal(out, &fo); jerr != nil || len(fo.Jobs) != 1 {
		if err == nil {
			err = fmt.Errorf("fio's output: %v", jerr)
		}
		return nil, fmt.Errorf("fio: %w: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	job := fo.Jobs[0]
	if job.Error != 0 {
		return nil, fmt.Errorf("fio: job error %d: %s", job.Error, bytes.TrimSpace(stderr.Bytes()))
	}
	d := job.Read
	if workloads[spec.Workload].write {
		d = job.Write
	}
	res := &phaseResult{
		Engine: "fio io_uring", Side: fioSide, Workload: spec.Workload, BlockSize: spec.BS, Depth: spec.Depth,
		Mode: "fio", Direct: spec.Direct, API: "fio", Seconds: float64(d.Runtime) / 1000,
		IOPS: d.IOPS, MiBs: d.BW / (1 << 20),
		P50: d.Lat.Percentile["50.000000"] / 1000, P99: d.Lat.Percentile["99.000000"] / 1000,
		P999: d.Lat.Percentile["99.900000"] / 1000, Mean: d.Lat.Mean / 1000,
		Threads: int(peak.Load()), GOMAXPROCS: 0, Interrupted: ctx.Err() != nil,
	}
	res.Ops = uint64(d.IOPS*res.Seconds + 0.5)
	if d.IOPS > 0 {
		res.CPUPerOp = (job.UsrCPU + job.SysCPU) / 100 * 1e6 / d.IOPS
	}
	return res, nil
}
