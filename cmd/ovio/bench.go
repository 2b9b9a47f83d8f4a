package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

const benchUsage = `Usage: ovio bench [flags]

A fio-like benchmark of ovio beside os.File, on this machine, in one run. Each
workload runs on os.File, then on ovio, each side in a fresh process of its own
so that the OS threads and CPU time it reports are its own.

With no flags it runs, in about 20 s: nop at depth 1, randread 4K at depth 1
and 256, randwrite 4K at depth 16, 1.5s a side, on a 1 GiB temporary file in
the page cache. -workload, -bs and -depth take comma-separated lists and run every
combination.

Depth N is N goroutines, each with one op in flight, on both sides: os.File
needs a goroutine per op in flight. With -batch, ovio's side is instead one
goroutine keeping N ops in flight as futures (Start, StartBatch).

Workloads:
  randread, randwrite  at random offsets, multiples of the block size
  read, write          in sequence, all goroutines sharing one cursor
  nop                  an op that does nothing: ovio.Nop, and on the os side a
                       getppid system call (Linux only)

The file: without -file, a temporary file in the temporary directory. -file
names one: if it does not exist it is created with -size bytes and removed at
the end; if it is a directory, the temporary file goes in it; an existing file
is used as it is, up to -size, and write workloads need -overwrite. The page
cache is warmed first, unless -direct (O_DIRECT with page-aligned buffers,
Linux only). The temporary file is removed at the end, on Ctrl-C too.

ovio's side reads and writes through ovio.File, as a program would. Levers
(issue 8), chosen one by one with -issuer, -coop, -sqpoll, -ring and -batch;
-levers runs ovio's side once more with each flipped and prints its effect:
  issuer  Config.SingleIssuer: one locked OS thread enters the ring (io_uring)
  coop    Config.CoopTaskrun: the kernel finishes completions when a thread
          enters it, without interrupting the submitting one (io_uring)
  sqpoll  Config.SQPoll of 10ms: a kernel thread polls the submission queue,
          counted in threads and CPU (io_uring; not with -issuer)
  ring    raw ovio.ReadAt/WriteAt requests on the file's handle instead of
          ovio.File: every op through the engine's queue, without File's
          non-blocking first attempt at the page cache (preadv2/pwritev2 with
          RWF_NOWAIT, which File makes unless O_DIRECT) nor its bookkeeping
  batch   one goroutine with N futures (raw requests) instead of N goroutines

Output: IOPS; MiB/s; latency per op at the 50th, 99th and 99.9th percentile,
in µs; CPU µs per op (user and system time of every thread of the process, the
kernel's io_uring workers included); the peak count of OS threads (Linux; "-"
elsewhere); and ovio/os, ovio's IOPS over os.File's (above 1: ovio did more).
With -levers, "vs base" is a lever's IOPS over the base ovio run's.

Latency runs from an op's start to its return in the goroutine that made it.
At depths above GOMAXPROCS that includes, for an ovio op that waited, the wait
for its goroutine to run again, while a goroutine in an os.File read runs on
and does its waiting between reads, outside the measure: compare IOPS and CPU
there.

-fio adds fio's io_uring engine (Debian's package fio; Linux) as a peer row for
the read and write workloads: one fio job on the same file keeping -depth ops in
flight from one thread, with the same block size, -direct, warm-up and duration
(fio --ioengine=io_uring --iodepth=N --invalidate=0). Its IOPS, latency
(submission to completion) and CPU per op (the job process's, its io_uring
workers included) are fio's own report; its threads are counted by ovio bench
over fio's processes. "vs fio" is then ovio's IOPS over fio's. Issue 8's
O_DIRECT comparison is:
  ovio bench -fio -direct -workload randread -depth 128

-json prints one JSON object per phase instead of the table. A progress line
shows when stdout is a terminal. Ctrl-C stops the run, prints the phase cut
short, and removes the temporary file.
`

// benchOpts are ovio bench's flags.
type benchOpts struct {
	workloads            []string
	bss, depths          []string
	listSet              bool
	duration, warmup     time.Duration
	direct               bool
	file                 string
	size                 int64
	sizeSet              bool
	overwrite            bool
	engine               string
	json                 bool
	issuer, ring, batch  bool
	coop, sqpoll         bool
	levers               bool
	fio                  bool
	parsedBS             []int64
	parsedDepth          []int
	fileWrites, fileUsed bool // some workload writes, reads or writes the file
}

// benchItem is one row group of the report: a workload at one block size and depth.
type benchItem struct {
	workload string
	bs       int64
	depth    int
}

// defaultPlan is what ovio bench runs without -workload, -bs or -depth.
var defaultPlan = []benchItem{
	{"nop", 0, 1},
	{"randread", 4096, 1},
	{"randread", 4096, 256},
	{"randwrite", 4096, 16},
}

const maxDepth = 4096

func runBench(ctx context.Context, c *cli, args []string) error {
	o := &benchOpts{size: 1 << 30}
	flags := c.newFlags("bench", benchUsage)
	flags.Var(listFlag{&o.workloads, &o.listSet}, "workload", "workloads, comma-separated: randread, randwrite, read, write, nop")
	flags.Var(listFlag{&o.bss, &o.listSet}, "bs", "block sizes, comma-separated: 4k, 64K, 1M, ... (default 4k)")
	flags.Var(listFlag{&o.depths, &o.listSet}, "depth", "ops in flight, comma-separated: goroutines with one op each, or with -batch one goroutine's futures (default 1)")
	flags.DurationVar(&o.duration, "duration", 1500*time.Millisecond, "how long each side of each workload is measured (and until it completed one op)")
	flags.DurationVar(&o.warmup, "warmup", 200*time.Millisecond, "how long each side runs before it is measured")
	flags.BoolVar(&o.direct, "direct", false, "open the file with O_DIRECT, bypassing the page cache (Linux)")
	flags.StringVar(&o.file, "file", "", "the file to run on, or a directory for the temporary file (default: a temporary file)")
	flags.Var(sizeFlag{&o.size}, "size", "the size of the file created, or how much of an existing file to use")
	flags.BoolVar(&o.overwrite, "overwrite", false, "let write workloads overwrite an existing -file")
	flags.StringVar(&o.engine, "engine", "", "ovio's engine: "+strings.Join(engineNames(), ", ")+" (default: ovio's choice)")
	flags.BoolVar(&o.json, "json", false, "print one JSON object per phase instead of the table")
	flags.BoolVar(&o.issuer, "issuer", false, "lever: Config.SingleIssuer, one locked thread enters the ring (io_uring)")
	flags.BoolVar(&o.coop, "coop", false, "lever: Config.CoopTaskrun, completions without interrupting the submitter (io_uring)")
	flags.BoolVar(&o.sqpoll, "sqpoll", false, "lever: Config.SQPoll, a kernel thread polls the submission queue (io_uring)")
	flags.BoolVar(&o.ring, "ring", false, "lever: raw ovio.ReadAt/WriteAt requests on the handle instead of ovio.File")
	flags.BoolVar(&o.batch, "batch", false, "lever: ovio keeps -depth ops in flight from one goroutine, with futures")
	flags.BoolVar(&o.levers, "levers", false, "also run ovio with each lever flipped, and print each one's effect")
	flags.BoolVar(&o.fio, "fio", false, "also run fio's io_uring engine on the same file and workload, as a peer row (Linux; fio on PATH)")
	if err := flags.parse(args); err != nil {
		return err
	}
	flags.Visit(func(f *flag.Flag) {
		if f.Name == "size" {
			o.sizeSet = true
		}
	})
	if flags.NArg() > 0 {
		return usagef("bench", "unexpected argument %q", flags.Arg(0))
	}
	plan, err := o.plan()
	if err != nil {
		return err
	}
	b := &bencher{c: c, o: o, plan: plan}
	return b.run(ctx)
}

// plan checks the flags and returns the items to run.
func (o *benchOpts) plan() ([]benchItem, error) {
	if o.duration <= 0 {
		return nil, usagef("bench", "-duration %v: must be positive", o.duration)
	}
	if o.warmup < 0 {
		return nil, usagef("bench", "-warmup %v: must not be negative", o.warmup)
	}
	if o.size <= 0 && (o.sizeSet || o.file == "") {
		return nil, usagef("bench", "-size must be positive")
	}
	if err := checkEngine("bench", o.engine); err != nil {
		return nil, err
	}
	if o.direct && directFlag == 0 {
		return nil, usagef("bench", "-direct: O_DIRECT is Linux only")
	}
	for _, l := range []struct {
		on   bool
		name string
	}{{o.issuer, "issuer"}, {o.coop, "coop"}, {o.sqpoll, "sqpoll"}} {
		if l.on && (runtime.GOOS != "linux" || (o.engine != "" && o.engine != "io_uring")) {
			return nil, usagef("bench", "-%s: the io_uring engine's lever", l.name)
		}
	}
	if o.issuer && o.sqpoll {
		return nil, usagef("bench", "-sqpoll: not with -issuer")
	}
	if o.fio {
		if why := fioCheck(); why != "" {
			return nil, usagef("bench", "-fio: %s", why)
		}
	}
	if !o.listSet {
		plan := defaultPlan
		for _, it := range plan {
			o.note(it.workload)
		}
		return plan, nil
	}
	wls := o.workloads
	if len(wls) == 0 {
		wls = []string{"randread"}
	}
	for _, w := range wls {
		if _, ok := workloads[w]; !ok {
			return nil, usagef("bench", "-workload %s: unknown (workloads: %s)", w, strings.Join(workloadNames, ", "))
		}
		o.note(w)
	}
	bss := o.bss
	if len(bss) == 0 {
		bss = []string{"4k"}
	}
	for _, s := range bss {
		n, err := parseSize(s)
		if err != nil {
			return nil, usagef("bench", "-bs: %v", err)
		}
		if n < 1 || n > 64<<20 {
			return nil, usagef("bench", "-bs %s: must be from 1 byte to 64M", s)
		}
		if o.direct && n%512 != 0 {
			return nil, usagef("bench", "-bs %s: -direct needs a multiple of 512 (4k is safe)", s)
		}
		o.parsedBS = append(o.parsedBS, n)
	}
	depths := o.depths
	if len(depths) == 0 {
		depths = []string{"1"}
	}
	for _, s := range depths {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxDepth {
			return nil, usagef("bench", "-depth %s: want a count from 1 to %d", s, maxDepth)
		}
		o.parsedDepth = append(o.parsedDepth, n)
	}
	var plan []benchItem
	for _, w := range wls {
		for i, bs := range o.parsedBS {
			if !workloads[w].file {
				if i > 0 {
					continue // nop has no block size
				}
				bs = 0
			}
			for _, d := range o.parsedDepth {
				plan = append(plan, benchItem{w, bs, d})
			}
		}
	}
	return plan, nil
}

func (o *benchOpts) note(w string) {
	if workloads[w].file {
		o.fileUsed = true
	}
	if workloads[w].write {
		o.fileWrites = true
	}
}

// bencher runs a benchmark: the plan's phases, each in a process of its own, and the report.
type bencher struct {
	c    *cli
	o    *benchOpts
	plan []benchItem
	prog *progress

	file   string // the file the phases use
	size   int64  // how much of it
	engine string // the engine's kind, as opened
	// engineNote says why the engine is not the platform's preferred one, if it is not.
	engineNote string
	failed     int
	start      time.Time
	phaseNo    int
	phases     int
}

// phase is one side of an item: the spec, and what the report calls it.
type phase struct {
	spec  phaseSpec
	label string
	base  bool // the ovio run levers compare with
}

func (b *bencher) run(ctx context.Context) error {
	b.prog = newProgress(b.c.stdoutFile, b.c.stdout)
	defer b.prog.clear()
	b.start = time.Now()

	// Open the engine once here, to fail early and to name it; the phases open their own.
	e, err := openEngine(b.o.engine, b.o.issuer)
	if err != nil {
		return fmt.Errorf("open engine: %w", err)
	}
	b.engine, b.engineNote = e.Kind(), fallbackNote(e)
	e.Close()
	for _, l := range []struct {
		on   bool
		name string
	}{{b.o.issuer, "issuer"}, {b.o.coop, "coop"}, {b.o.sqpoll, "sqpoll"}} {
		if l.on && b.engine != "io_uring" {
			return usagef("bench", "-%s: the io_uring engine's lever, and the engine is %s", l.name, b.engine)
		}
	}

	if b.o.fileUsed {
		cleanup, desc, err := b.prepareFile(ctx)
		if cleanup != nil {
			defer cleanup()
		}
		if err != nil {
			if ctx.Err() != nil {
				return errInterrupted
			}
			return err
		}
		if !b.o.json {
			b.header(desc)
		}
	} else if !b.o.json {
		b.header("")
	}

	type group struct {
		item   benchItem
		phases []phase
		notes  []string
	}
	var groups []group
	for _, it := range b.plan {
		ps, notes := b.phasesFor(it)
		groups = append(groups, group{it, ps, notes})
		b.phases += len(ps)
	}
	var notes []string
	for _, g := range groups {
		var osRes, base, fioRes *phaseResult
		for _, p := range g.phases {
			res, err := b.runPhase(ctx, p)
			if err != nil {
				if ctx.Err() != nil {
					return errInterrupted
				}
				b.failed++
				b.prog.println(b.c.stderr, fmt.Sprintf("ovio bench: %s, %s: %v", itemName(g.item), p.label, err))
				continue
			}
			switch {
			case p.spec.Side == "os":
				osRes = res
			case p.spec.Side == fioSide:
				fioRes = res
			case p.base:
				base = res
			}
			if p.spec.Side == "ovio" && fioRes != nil && fioRes.IOPS > 0 {
				res.VsFio = ratio(res.IOPS, fioRes.IOPS)
				res.CPUVsFio = ratio(res.CPUPerOp, fioRes.CPUPerOp)
			}
			if p.spec.Side == "ovio" && osRes != nil && osRes.IOPS > 0 {
				res.Ratio = ratio(res.IOPS, osRes.IOPS)
				res.CPURatio = ratio(res.CPUPerOp, osRes.CPUPerOp)
			}
			if !p.base && p.spec.Side == "ovio" && base != nil && base.IOPS > 0 {
				res.VsBase = ratio(res.IOPS, base.IOPS)
			}
			b.report(g.item, p, res)
			if res.Interrupted || ctx.Err() != nil {
				return errInterrupted
			}
		}
		notes = append(notes, g.notes...)
	}
	if !b.o.json {
		b.footer(notes)
	}
	if b.failed > 0 {
		return &failedError{fmt.Sprintf("%d of %d phases failed", b.failed, b.phases)}
	}
	return nil
}

func ratio(a, b float64) *float64 {
	if b == 0 {
		return nil
	}
	r := a / b
	return &r
}

func itemName(it benchItem) string {
	if it.bs == 0 {
		return fmt.Sprintf("%s depth %d", it.workload, it.depth)
	}
	return fmt.Sprintf("%s %s depth %d", it.workload, formatSize(it.bs), it.depth)
}

// phasesFor returns the phases of an item: os.File, ovio as the flags say, and with -levers ovio
// with each lever flipped that applies. notes say why a lever does not.
func (b *bencher) phasesFor(it benchItem) ([]phase, []string) {
	o := b.o
	base := phaseSpec{
		Workload: it.workload, BS: it.bs, Depth: it.depth, Duration: o.duration, Warmup: o.warmup,
		File: b.file, Size: b.size, Direct: o.direct, Engine: o.engine,
	}
	var ps []phase
	if it.workload != "nop" || nopKnown {
		s := base
		s.Side = "os"
		ps = append(ps, phase{spec: s, label: "os.File"})
	}
	var notes []string
	if o.fio {
		if fioRW[it.workload] == "" {
			notes = append(notes, fmt.Sprintf("%s: fio has no such workload", itemName(it)))
		} else {
			s := base
			s.Side = fioSide
			ps = append(ps, phase{spec: s, label: "fio io_uring"})
		}
	}
	s := base
	s.Side, s.Issuer, s.Ring, s.Batch = "ovio", o.issuer, o.ring, o.batch
	s.Coop, s.SQPoll = o.coop, o.sqpoll
	ps = append(ps, phase{spec: s, label: ovioLabel(s, o.levers), base: true})
	if !o.levers {
		return ps, notes
	}
	for _, l := range levers {
		t := s
		if why := l.flip(&t, b); why != "" {
			notes = append(notes, fmt.Sprintf("%s, lever %s: %s", itemName(it), l.name, why))
			continue
		}
		t.Lever = l.name
		ps = append(ps, phase{spec: t, label: ovioLabel(t, false)})
	}
	return ps, notes
}

// ovioLabel names an ovio phase in the table by its levers: "ovio", "ovio +issuer", ...
func ovioLabel(s phaseSpec, base bool) string {
	l := "ovio"
	if s.Issuer {
		l += " +issuer"
	}
	if s.Coop {
		l += " +coop"
	}
	if s.SQPoll {
		l += " +sqpoll"
	}
	if s.Ring && !s.Batch && workloads[s.Workload].file && runtime.GOOS != "windows" {
		l += " +ring"
	}
	if s.Batch {
		l += " +batch"
	}
	if base && l == "ovio" {
		l += " (base)"
	}
	return l
}

// lever is one of issue 8's levers that ovio bench can flip.
type lever struct {
	name string
	// flip flips the lever in s, or says why it does not apply.
	flip func(s *phaseSpec, b *bencher) (why string)
}

var levers = []lever{
	{"issuer", func(s *phaseSpec, b *bencher) string {
		if runtime.GOOS != "linux" || (b.engine != "io_uring") {
			return "the io_uring engine's only"
		}
		s.Issuer = !s.Issuer
		return ""
	}},
	{"coop", func(s *phaseSpec, b *bencher) string {
		switch {
		case runtime.GOOS != "linux" || b.engine != "io_uring":
			return "the io_uring engine's only"
		case s.Issuer:
			return "the single-issuer mode defers the kernel's completion work already"
		}
		s.Coop = !s.Coop
		return ""
	}},
	{"sqpoll", func(s *phaseSpec, b *bencher) string {
		switch {
		case runtime.GOOS != "linux" || b.engine != "io_uring":
			return "the io_uring engine's only"
		case s.Issuer:
			return "not with the single-issuer mode"
		}
		s.SQPoll = !s.SQPoll
		return ""
	}},
	{"ring", func(s *phaseSpec, b *bencher) string {
		switch {
		case !workloads[s.Workload].file:
			return "for reads and writes only"
		case s.Batch:
			return "batch mode makes raw requests already"
		case runtime.GOOS == "windows":
			return "ovio.File is not wired to the IOCP engine yet: raw requests already"
		}
		s.Ring = !s.Ring
		return ""
	}},
	{"batch", func(s *phaseSpec, b *bencher) string {
		s.Batch = !s.Batch
		return ""
	}},
}

// runPhase runs p in a child process and returns its result, with a progress line meanwhile.
// If ctx ends, the child is interrupted and its result so far returned.
func (b *bencher) runPhase(ctx context.Context, p phase) (*phaseResult, error) {
	b.phaseNo++
	if p.spec.Side == fioSide {
		name := fmt.Sprintf("[%d/%d] %s, %s", b.phaseNo, b.phases, itemName(benchItem{p.spec.Workload, p.spec.BS, p.spec.Depth}), p.label)
		b.prog.show("%s: running for %v", name, p.spec.Warmup+p.spec.Duration)
		return runFio(ctx, &p.spec)
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	spec, _ := json.Marshal(p.spec)
	cmd, out, err := startPhase(ctx, b.c.stderr, exe, phaseCommand, string(spec))
	if err != nil {
		return nil, err
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-done:
			return
		case <-ctx.Done():
		}
		// Interrupt the child, as Ctrl-C on a terminal already did, so that it reports what it
		// measured; kill it if it has not finished in a few seconds. (Windows has no signal to
		// send: there the console's Ctrl-C reaches the child too, or the timer kills it.)
		cmd.Process.Signal(os.Interrupt)
		t := time.NewTimer(5 * time.Second)
		defer t.Stop()
		select {
		case <-done:
		case <-t.C:
			cmd.Process.Kill()
		}
	}()

	name := fmt.Sprintf("[%d/%d] %s, %s", b.phaseNo, b.phases, itemName(benchItem{p.spec.Workload, p.spec.BS, p.spec.Depth}), p.label)
	b.prog.show("%s: starting", name)
	var res *phaseResult
	var perr string
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var m phaseMsg
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			continue
		}
		switch {
		case m.Progress != nil:
			if m.Progress.Seconds == 0 {
				b.prog.show("%s: warming up", name)
				break
			}
			b.prog.show("%s: %.1fs/%.1fs, %s IOPS", name, m.Progress.Seconds, p.spec.Duration.Seconds(),
				formatCount(float64(m.Progress.Ops)/m.Progress.Seconds))
		case m.Result != nil:
			res = m.Result
		case m.Error != "":
			perr = m.Error
		}
	}
	io.Copy(io.Discard, out)
	werr := cmd.Wait()
	switch {
	case perr != "":
		return nil, errors.New(perr)
	case res != nil:
		return res, nil
	case werr != nil:
		return nil, fmt.Errorf("the phase's process: %w", werr)
	}
	return nil, errors.New("the phase's process reported nothing")
}

// startPhase starts exe with args, its stderr going to stderr, and returns it with a pipe from
// its stdout. A start that fails for a reason that passes (startTransient) is tried again, a few
// times, unless ctx ends: one phase's process failing to come up is no reason to lose the run.
func startPhase(ctx context.Context, stderr io.Writer, exe string, args ...string) (*exec.Cmd, io.ReadCloser, error) {
	for try := 1; ; try++ {
		cmd := exec.Command(exe, args...)
		cmd.Stderr = stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			return nil, nil, err
		}
		err = cmd.Start()
		if err == nil {
			return cmd, out, nil
		}
		out.Close()
		if try == 3 || !startTransient(err) || ctx.Err() != nil {
			return nil, nil, err
		}
		time.Sleep(time.Duration(try) * 100 * time.Millisecond)
	}
}

// prepareFile makes the file the phases use, warms the page cache, and sets b.file and b.size.
// cleanup, if not nil, removes what it created.
func (b *bencher) prepareFile(ctx context.Context) (cleanup func(), desc string, err error) {
	o := b.o
	dir, name, existing := "", o.file, false
	if name != "" {
		fi, err := os.Stat(name)
		switch {
		case err == nil && fi.IsDir():
			dir, name = name, ""
		case err == nil && fi.Mode().IsRegular():
			existing = true
			if o.fileWrites && !o.overwrite {
				return nil, "", usagef("bench", "-file %s exists and a workload writes to it: add -overwrite to let it, or name a new file", name)
			}
			b.size = fi.Size()
			if o.sizeSet {
				b.size = min(b.size, o.size)
			}
		case err == nil:
			return nil, "", fmt.Errorf("-file %s: not a regular file or a directory", name)
		case !errors.Is(err, fs.ErrNotExist):
			return nil, "", err
		}
	}
	how := "temporary"
	if !existing {
		var f *os.File
		if name == "" {
			f, err = os.CreateTemp(dir, "ovio-bench-*")
		} else {
			f, err = os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
			how = "created"
		}
		if err != nil {
			return nil, "", err
		}
		name = f.Name()
		unregister := b.c.cleanupOnExit(func() { os.Remove(name) })
		cleanup = func() { os.Remove(name); unregister() }
		b.size = o.size
		err = b.fill(ctx, f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return cleanup, "", err
		}
	} else {
		how = "existing"
		if !o.direct {
			if err := b.warm(ctx, name); err != nil {
				return nil, "", err
			}
		}
	}
	b.file = name
	cache := "page cache warm"
	if o.direct {
		cache = "O_DIRECT"
	}
	return cleanup, fmt.Sprintf("%s (%s, %s; %s)", name, formatSize(b.size), how, cache), nil
}

// fill writes b.size bytes of pseudo-random data to f, which leaves them in the page cache. For
// -direct it also syncs them, so that the device has them before O_DIRECT reads them.
func (b *bencher) fill(ctx context.Context, f *os.File) error {
	chunk := make([]byte, 1<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i+8 <= len(chunk); i += 8 {
		v := rng.Uint64()
		for j := range 8 {
			chunk[i+j] = byte(v >> (8 * j))
		}
	}
	last := time.Now()
	for off := int64(0); off < b.size; off += int64(len(chunk)) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// Each megabyte differs from the others: its first bytes hold its offset.
		copy(chunk, strconv.FormatInt(off, 16))
		if _, err := f.WriteAt(chunk[:min(int64(len(chunk)), b.size-off)], off); err != nil {
			return err
		}
		if time.Since(last) > 100*time.Millisecond {
			last = time.Now()
			b.prog.show("writing %s: %s %s of %s", f.Name(), bar(float64(off)/float64(b.size), 20), formatBytes(off), formatBytes(b.size))
		}
	}
	if b.o.direct {
		b.prog.show("syncing %s", f.Name())
		if err := f.Sync(); err != nil {
			return err
		}
	}
	b.prog.clear()
	return nil
}

// warm reads the first b.size bytes of the file name once, so that they sit in the page cache.
func (b *bencher) warm(ctx context.Context, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	for off := int64(0); off < b.size; off += int64(len(buf)) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if _, err := f.ReadAt(buf[:min(int64(len(buf)), b.size-off)], off); err != nil && !errors.Is(err, io.EOF) {
			return err
		}
	}
	return nil
}

const rowFormat = "%-9s %5s %5s  %-16s %9s %9s %8s %8s %9s %10s %7s %7s"

func (b *bencher) header(file string) {
	w := b.c.stdout
	fmt.Fprintf(w, "ovio bench: ovio's %s engine beside os.File; %s/%s, %d CPUs, GOMAXPROCS %d\n",
		b.engine, runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0))
	if b.engineNote != "" {
		fmt.Fprintf(w, "engine: %s, %s\n", b.engine, b.engineNote)
	}
	if file != "" {
		fmt.Fprintf(w, "file: %s\n", file)
	}
	fmt.Fprintf(w, "each side: %v of warm-up, %v measured, in a process of its own; depth N: ", b.o.warmup, b.o.duration)
	if b.o.batch {
		fmt.Fprintf(w, "N goroutines for os.File, one goroutine with N futures for ovio\n")
	} else {
		fmt.Fprintf(w, "N goroutines, one op in flight each\n")
	}
	fmt.Fprintln(w)
	head := fmt.Sprintf(rowFormat, "workload", "bs", "depth", "side", "IOPS", "MiB/s", "p50 µs", "p99 µs", "p99.9 µs", "CPU µs/op", "threads", "ovio/os")
	if b.o.levers {
		head += fmt.Sprintf(" %7s", "vs base")
	}
	if b.o.fio {
		head += fmt.Sprintf(" %7s", "vs fio")
	}
	fmt.Fprintln(w, head)
}

func (b *bencher) report(it benchItem, p phase, r *phaseResult) {
	if b.o.json {
		line, _ := json.Marshal(r)
		b.prog.println(b.c.stdout, string(line))
		return
	}
	bs := "-"
	if r.BlockSize > 0 {
		bs = formatSize(r.BlockSize)
	}
	mibs := "-"
	if r.BlockSize > 0 {
		mibs = fmt.Sprintf("%.1f", r.MiBs)
	}
	threads := "-"
	if threadsKnown {
		threads = strconv.Itoa(r.Threads)
	}
	x := func(v *float64) string {
		if v == nil {
			return ""
		}
		return fmt.Sprintf("%.2f×", *v)
	}
	line := fmt.Sprintf(rowFormat, it.workload, bs, strconv.Itoa(it.depth), p.label, formatCount(r.IOPS), mibs,
		us(r.P50), us(r.P99), us(r.P999), fmt.Sprintf("%.2f", r.CPUPerOp), threads, x(r.Ratio))
	if b.o.levers {
		line += fmt.Sprintf(" %7s", x(r.VsBase))
	}
	if b.o.fio {
		line += fmt.Sprintf(" %7s", x(r.VsFio))
	}
	if r.Interrupted {
		line += fmt.Sprintf("  (interrupted after %.1fs)", r.Seconds)
	}
	b.prog.println(b.c.stdout, strings.TrimRight(line, " "))
}

// us prints a latency in µs with 3 significant digits or so.
func us(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func (b *bencher) footer(notes []string) {
	w := b.c.stdout
	fmt.Fprintln(w)
	fmt.Fprintln(w, "ovio/os: ovio's IOPS over os.File's in this run (above 1: ovio did more); CPU µs/op counts")
	if b.engine == "io_uring" {
		fmt.Fprintln(w, "every thread of the process, the kernel's io_uring workers included.")
	} else {
		fmt.Fprintln(w, "every thread of the process.")
	}
	if !threadsKnown {
		fmt.Fprintf(w, "threads: not counted on %s.\n", runtime.GOOS)
	}
	if b.o.levers {
		fmt.Fprintln(w, "vs base: the lever's IOPS over the base ovio run's.")
	}
	if b.o.fio {
		fmt.Fprintln(w, "fio io_uring: one fio job, -depth ops in flight from one thread; its latency, IOPS and CPU are")
		fmt.Fprintln(w, "fio's report (the job process's CPU), its threads all of fio's processes'. vs fio: ovio's")
		fmt.Fprintln(w, "IOPS over fio's.")
	}
	fmt.Fprintf(w, "%d phases in %.1fs.\n", b.phaseNo, time.Since(b.start).Seconds())
	for _, n := range notes {
		fmt.Fprintln(w, "note:", n)
	}
}
