package main

// One measured phase of ovio bench: one side (os.File or ovio, with its levers) running one
// workload. The parent runs each phase in a fresh process (the hidden command bench-phase) so
// that its OS threads and CPU time are its own: Go never gives a thread back, so a process that
// ran os.File's phase would lend its threads to ovio's.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ovio/ovio"
)

// benchSQPoll is how long the SQPOLL lever's kernel thread polls without work before it sleeps.
const benchSQPoll = 10 * time.Millisecond

// phaseCommand is the hidden command that runs one phase and writes phaseMsg lines on stdout.
const phaseCommand = "bench-phase"

// phaseSpec is what a phase runs; the parent passes it as JSON.
type phaseSpec struct {
	Side     string        `json:"side"`  // "os", "ovio", or "fio" (run by the parent)
	Lever    string        `json:"lever"` // the lever this phase toggles, for the report; "" for none
	Workload string        `json:"workload"`
	BS       int64         `json:"block_size"`
	Depth    int           `json:"depth"`
	Duration time.Duration `json:"duration"`
	Warmup   time.Duration `json:"warmup"`
	File     string        `json:"file"`
	Size     int64         `json:"size"` // the bytes of File the workload covers: a multiple of BS
	Direct   bool          `json:"direct"`
	Engine   string        `json:"engine"` // Config.Kind; "" for ovio's choice
	Issuer   bool          `json:"issuer"` // Config.SingleIssuer
	Coop     bool          `json:"coop"`   // Config.CoopTaskrun
	SQPoll   bool          `json:"sqpoll"` // Config.SQPoll of benchSQPoll
	Ring     bool          `json:"ring"`   // raw requests, not ovio.File
	Batch    bool          `json:"batch"`  // one goroutine keeps Depth ops in flight
}

// phaseResult is what a phase measured; the fields are ovio bench -json's.
type phaseResult struct {
	Engine     string  `json:"engine"` // "os.File", or the ovio engine's kind
	Side       string  `json:"side"`   // "os" or "ovio"
	Lever      string  `json:"lever"`  // the lever toggled against the base ovio run, or ""
	Workload   string  `json:"workload"`
	BlockSize  int64   `json:"block_size"`
	Depth      int     `json:"depth"`
	Mode       string  `json:"mode"` // "goroutines": depth goroutines, one op each; "batch": one goroutine
	Direct     bool    `json:"direct"`
	Fallback   string  `json:"fallback,omitempty"` // ovio: why the engine is not the platform's preferred one
	Issuer     bool    `json:"issuer"`             // ovio: Config.SingleIssuer
	Coop       bool    `json:"coop"`               // ovio: Config.CoopTaskrun
	SQPoll     bool    `json:"sqpoll"`             // ovio: Config.SQPoll
	API        string  `json:"api"`                // what the reads and writes go through: os.File, ovio.File, requests
	Nowait     bool    `json:"nowait"`             // ovio.File tried the page cache first (Linux, not O_DIRECT)
	Seconds    float64 `json:"seconds"`
	Ops        uint64  `json:"ops"`
	IOPS       float64 `json:"iops"`
	MiBs       float64 `json:"mib_s"`
	P50        float64 `json:"p50_us"`
	P99        float64 `json:"p99_us"`
	P999       float64 `json:"p999_us"`
	Mean       float64 `json:"mean_us"`
	CPUPerOp   float64 `json:"cpu_us_per_op"`
	Threads    int     `json:"threads"` // peak OS threads of the phase's process; 0: not known here
	GOMAXPROCS int     `json:"gomaxprocs"`

	Ratio    *float64 `json:"ratio,omitempty"`      // ovio: IOPS over os.File's in the same run
	CPURatio *float64 `json:"cpu_ratio,omitempty"`  // ovio: CPU per op over os.File's
	VsBase   *float64 `json:"vs_base,omitempty"`    // a lever: IOPS over the base ovio run's
	VsFio    *float64 `json:"vs_fio,omitempty"`     // ovio, with -fio: IOPS over fio's
	CPUVsFio *float64 `json:"cpu_vs_fio,omitempty"` // ovio, with -fio: CPU per op over fio's

	Interrupted bool `json:"interrupted,omitempty"`
}

// phaseMsg is one line the phase process writes.
type phaseMsg struct {
	Progress *phaseProgress `json:"progress,omitempty"`
	Result   *phaseResult   `json:"result,omitempty"`
	Error    string         `json:"error,omitempty"`
}

type phaseProgress struct {
	Ops     uint64  `json:"ops"`
	Seconds float64 `json:"seconds"` // measured so far; 0 during warm-up
}

// errSilent ends a command with exit status 1 and no message: it was already reported.
var errSilent = &failedError{}

func runPhaseCommand(ctx context.Context, c *cli, args []string) error {
	out := json.NewEncoder(c.stdout)
	if len(args) != 1 {
		return usagef(phaseCommand, "want one argument, the phase as JSON")
	}
	var spec phaseSpec
	if err := json.Unmarshal([]byte(args[0]), &spec); err != nil {
		return usagef(phaseCommand, "%v", err)
	}
	var mu sync.Mutex
	send := func(m phaseMsg) {
		mu.Lock()
		defer mu.Unlock()
		out.Encode(m)
	}
	res, err := runPhase(ctx, &spec, func(p phaseProgress) { send(phaseMsg{Progress: &p}) })
	if err != nil {
		send(phaseMsg{Error: err.Error()})
		return errSilent
	}
	send(phaseMsg{Result: res})
	return nil
}

// Workload states: the workers record only while measuring.
const (
	stWarmup int32 = iota
	stMeasure
	stStop
)

// worker is one goroutine's record, padded so that workers do not share cache lines.
type worker struct {
	h   hist
	ops atomic.Uint64
	_   [64]byte
}

// opFunc runs one op of the workload: buf is the worker's buffer, off the offset.
type opFunc func(buf []byte, off int64) error

// runPhase runs spec and returns what it measured. progress is called every 200 ms. If ctx ends,
// the phase stops and its result so far is returned, marked interrupted.
func runPhase(ctx context.Context, spec *phaseSpec, progress func(phaseProgress)) (*phaseResult, error) {
	w, ok := workloads[spec.Workload]
	if !ok || spec.Depth < 1 || (w.file && spec.BS < 1) || spec.Duration <= 0 {
		return nil, fmt.Errorf("bad phase %+v", spec)
	}
	res := &phaseResult{
		Side: spec.Side, Lever: spec.Lever, Workload: spec.Workload, BlockSize: spec.BS,
		Depth: spec.Depth, Mode: "goroutines", Direct: spec.Direct, GOMAXPROCS: runtimeProcs(),
	}
	if !w.file {
		res.BlockSize = 0
	}
	if spec.Batch {
		res.Mode = "batch"
	}

	// The file and the op each side runs.
	var blocks int64
	var op opFunc
	var e *ovio.Engine
	var file ioFile
	flag := os.O_RDONLY
	if w.write {
		flag = os.O_RDWR
	}
	if spec.Direct {
		flag |= directFlag
	}
	if w.file {
		blocks = spec.Size / spec.BS
		if blocks < 1 {
			return nil, fmt.Errorf("%s: smaller than one block (%d bytes)", spec.File, spec.BS)
		}
	}
	switch spec.Side {
	case "os":
		res.Engine, res.API = "os.File", "os.File"
		if spec.Batch {
			return nil, errors.New("batch mode is ovio's only")
		}
		if !w.file {
			if !nopKnown {
				return nil, errors.New("nop has no os side on this system")
			}
			op = func([]byte, int64) error { return osNop() }
			break
		}
		f, err := os.OpenFile(spec.File, flag, 0)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if w.write {
			op = func(buf []byte, off int64) error { _, err := f.WriteAt(buf, off); return err }
		} else {
			op = func(buf []byte, off int64) error { _, err := f.ReadAt(buf, off); return err }
		}
	case "ovio":
		var err error
		cfg := &ovio.Config{Kind: spec.Engine, SingleIssuer: spec.Issuer, CoopTaskrun: spec.Coop}
		if spec.SQPoll {
			cfg.SQPoll = benchSQPoll
		}
		e, err = ovio.Open(cfg)
		if err != nil {
			return nil, err
		}
		defer e.Close()
		res.Engine, res.Issuer, res.Fallback = e.Kind(), spec.Issuer, fallbackNote(e)
		// What the kernel took: a lever it refused is reported off.
		applied := e.Config()
		res.Coop, res.SQPoll = applied.CoopTaskrun, applied.SQPoll > 0
		ctx := context.Background() // the workers stop between ops; an op is never abandoned
		if !w.file {
			op = func([]byte, int64) error { _, err := e.Do(ctx, ovio.Nop()); return err }
			break
		}
		file, err = openFile(e, spec.File, flag, 0, fileOpts{ring: spec.Ring || spec.Batch})
		if err != nil {
			return nil, err
		}
		defer file.Close()
		res.API = fileAPI(fileOpts{ring: spec.Ring || spec.Batch})
		res.Nowait = res.API == "ovio.File" && runtime.GOOS == "linux" && !spec.Direct
		if w.write {
			op = func(buf []byte, off int64) error { _, err := file.WriteAt(ctx, buf, off); return err }
		} else {
			op = func(buf []byte, off int64) error { _, err := file.ReadAt(ctx, buf, off); return err }
		}
	default:
		return nil, fmt.Errorf("bad side %q", spec.Side)
	}

	// Buffers: page-aligned, as O_DIRECT needs, and the same memory for both sides.
	bs := int(max(spec.BS, 0))
	mem, free, err := allocBuffers(spec.Depth * bs)
	if err != nil {
		return nil, fmt.Errorf("buffers: %w", err)
	}
	defer free()
	for i := range mem {
		mem[i] = byte(i*7 + 1)
	}

	// Offsets: random ones from each worker's own generator, sequential ones from a shared cursor.
	var cursor atomic.Int64
	offset := func(rng *rand.Rand) int64 {
		if !w.file {
			return 0
		}
		if w.random {
			return rng.Int64N(blocks) * spec.BS
		}
		return (cursor.Add(1) - 1) % blocks * spec.BS
	}

	var state atomic.Int32
	var opErr error
	var errOnce sync.Once
	failed := make(chan struct{})
	fail := func(err error) {
		errOnce.Do(func() {
			opErr = err
			state.Store(stStop)
			close(failed)
		})
	}

	nworkers := spec.Depth
	if spec.Batch {
		nworkers = 1
	}
	workers := make([]worker, nworkers)
	var wg sync.WaitGroup
	for i := range workers {
		wk := &workers[i]
		rng := rand.New(rand.NewPCG(uint64(i)+1, uint64(time.Now().UnixNano())))
		wg.Add(1)
		if spec.Batch {
			go func() {
				defer wg.Done()
				var h ovio.Handle
				if file != nil {
					h = file.Handle()
				}
				runBatch(e, w, h, mem, bs, spec.Depth, wk, &state, func() int64 { return offset(rng) }, fail)
			}()
			continue
		}
		buf := mem[i*bs : (i+1)*bs]
		go func() {
			defer wg.Done()
			for {
				st := state.Load()
				if st == stStop {
					return
				}
				off := offset(rng)
				t0 := time.Now()
				err := op(buf, off)
				d := time.Since(t0)
				if err != nil {
					fail(err)
					return
				}
				if st == stMeasure {
					wk.h.record(d)
					wk.ops.Add(1)
				}
			}
		}()
	}

	// Warm up, then measure for spec.Duration, sampling the thread count.
	interrupted := false
	wait := func(d time.Duration) bool {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return true
		case <-failed:
		case <-ctx.Done():
			interrupted = true
		}
		return false
	}
	var cpu0 time.Duration
	var t0 time.Time
	measured := false
	peak := threadCount()
	if spec.Warmup <= 0 || wait(spec.Warmup) {
		cpu0, t0 = cpuTime(), time.Now()
		state.CompareAndSwap(stWarmup, stMeasure)
		measured = true
		end := time.NewTimer(spec.Duration)
		sample := time.NewTicker(10 * time.Millisecond)
		report := time.NewTicker(200 * time.Millisecond)
	loop:
		for {
			select {
			case <-end.C:
				// At least one op, as testing.B runs at least once: on a starved machine a
				// short phase could otherwise end with nothing to report.
				var n uint64
				for i := range workers {
					n += workers[i].ops.Load()
				}
				if n > 0 {
					break loop
				}
				end.Reset(time.Millisecond)
			case <-failed:
				break loop
			case <-ctx.Done():
				interrupted = true
				break loop
			case <-sample.C:
				peak = max(peak, threadCount())
			case <-report.C:
				var n uint64
				for i := range workers {
					n += workers[i].ops.Load()
				}
				progress(phaseProgress{Ops: n, Seconds: time.Since(t0).Seconds()})
			}
		}
		end.Stop()
		sample.Stop()
		report.Stop()
	}
	state.Store(stStop)
	var cpu, elapsed time.Duration
	if measured {
		cpu, elapsed = cpuTime()-cpu0, time.Since(t0)
	}
	peak = max(peak, threadCount())
	wg.Wait()
	if opErr != nil {
		return nil, opErr
	}

	var h hist
	for i := range workers {
		h.merge(&workers[i].h)
	}
	res.Interrupted = interrupted
	res.Seconds = elapsed.Seconds()
	res.Ops = h.n
	if threadsKnown {
		res.Threads = peak
	}
	if h.n > 0 && elapsed > 0 {
		res.IOPS = float64(h.n) / elapsed.Seconds()
		res.MiBs = res.IOPS * float64(res.BlockSize) / (1 << 20)
		res.CPUPerOp = cpu.Seconds() * 1e6 / float64(h.n)
		us := func(d time.Duration) float64 { return float64(d) / 1e3 }
		res.P50, res.P99, res.P999 = us(h.quantile(0.50)), us(h.quantile(0.99)), us(h.quantile(0.999))
		res.Mean = us(h.mean())
	}
	return res, nil
}

// runBatch is the batch mode: one goroutine keeps depth ops of workload w in flight as futures,
// waiting for the oldest and restarting it, with those that completed behind it, in one
// StartBatch. Every op goes through the ring. An op's latency runs from its start to when the
// goroutine saw it complete.
func runBatch(e *ovio.Engine, w workload, h ovio.Handle, mem []byte, bs, depth int, wk *worker,
	state *atomic.Int32, offset func() int64, fail func(error)) {
	ctx := context.Background()
	what := "read"
	if w.write {
		what = "write"
	}
	req := func(slot int) ovio.Request {
		buf, off := mem[slot*bs:(slot+1)*bs], offset()
		switch {
		case !w.file:
			return ovio.Nop()
		case w.write:
			return ovio.WriteAt(h, buf, off)
		}
		return ovio.ReadAt(h, buf, off)
	}
	reqs := make([]ovio.Request, depth)
	starts := make([]time.Time, depth)
	measuring := make([]bool, depth)
	for i := range reqs {
		reqs[i] = req(i)
	}
	st := state.Load()
	now := time.Now()
	for i := range starts {
		starts[i], measuring[i] = now, st == stMeasure
	}
	futs := e.StartBatch(ctx, reqs)
	var errs error
	pending, next := depth, 0
	slots := make([]int, 0, depth)
	for pending > 0 {
		// The oldest, then those behind it that are done too.
		slots = slots[:0]
	collect:
		for k := 0; k < depth; k++ {
			i := (next + k) % depth
			if futs[i] == nil {
				break // stopping: the slots after the last one in flight are empty
			}
			if k > 0 {
				select {
				case <-futs[i].Done():
				default:
					break collect // the first still in flight
				}
			}
			n, err := futs[i].Result()
			d := time.Since(starts[i])
			if err == nil && n != bs {
				err = fmt.Errorf("short %s: %d of %d bytes", what, n, bs)
			}
			if err != nil && errs == nil {
				errs = err
				fail(err)
			}
			if measuring[i] && err == nil {
				wk.h.record(d)
				wk.ops.Add(1)
			}
			slots = append(slots, i)
		}
		next = (next + len(slots)) % depth
		st := state.Load()
		if st == stStop {
			for _, i := range slots {
				futs[i] = nil
			}
			pending -= len(slots)
			continue
		}
		reqs = reqs[:0]
		for _, i := range slots {
			reqs = append(reqs, req(i))
		}
		now := time.Now()
		started := e.StartBatch(ctx, reqs)
		for j, i := range slots {
			futs[i], starts[i], measuring[i] = started[j], now, st == stMeasure
		}
	}
}

// workload is what a workload does.
type workload struct {
	file   bool // reads or writes the file; nop does not
	write  bool
	random bool // at random block-aligned offsets; otherwise in sequence, all workers sharing one cursor
}

var workloads = map[string]workload{
	"randread":  {file: true, random: true},
	"randwrite": {file: true, write: true, random: true},
	"read":      {file: true},
	"write":     {file: true, write: true},
	"nop":       {},
}

// workloadNames are the workloads in the order usage lists them.
var workloadNames = []string{"randread", "randwrite", "read", "write", "nop"}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }
