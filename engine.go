package ovio

import (
	"errors"
	"math"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Engine runs ops on one native completion mechanism: an io_uring instance on Linux, an I/O
// completion port on Windows, or a pool of goroutines making blocking calls where neither is
// available. An Engine is safe for use by many goroutines; one per process, Default, is usually
// enough.
type Engine struct {
	drv       driver
	ops       opTable
	isDefault bool
	fallback  *EngineError // why drv is not the platform's preferred engine; see Fallback

	// try, if the engine has it, attempts a read or write marked rwNowait without blocking and
	// without an op: done reports that the attempt answered (n bytes, or err); otherwise the
	// first n bytes moved and the rest must go through the driver.
	try func(code opCode, h Handle, buf []byte, off int64) (n int, err error, done bool)

	ignored atomic.Uint64 // completions that named no op in flight
	cfg     Config        // as the engine runs; see Config

	// closed is set when Close begins. The drivers refuse new ops on their own; this is for try,
	// which reaches no driver.
	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

// Config says how to open an Engine. The zero Config, like a nil one, picks the defaults.
type Config struct {
	// Kind chooses the engine: "io_uring", "iocp" or "blocking". An engine chosen by name is
	// never replaced by another: Open fails, with an *EngineError, if it cannot run here. Empty
	// means the engine the environment variable OVIO_ENGINE names, if it is set, else the best
	// one this system offers: io_uring on Linux, unless it is missing or forbidden (then
	// "blocking", and Engine.Fallback says why), IOCP on Windows, "blocking" elsewhere.
	Kind string

	// Entries is the size of the io_uring submission queue: how many ops one system call can
	// submit. The default is 256. Other engines ignore it.
	Entries int

	// MaxInFlight bounds the ops in flight at once; an op started beyond it waits for one to
	// complete. The default is 65536.
	MaxInFlight int

	// Workers bounds the goroutines of the blocking engine, each of which holds an OS thread while
	// it is in a system call: at most this many ops are in system calls at once, and the others
	// wait in a queue. A read or write waiting for a pipe or a socket to be ready holds none: it
	// waits in the engine's one poller. The default is max(4, 4*GOMAXPROCS). Other engines
	// ignore it.
	Workers int

	// SingleIssuer makes one OS thread, locked to a goroutine of the engine, the only one that
	// enters the io_uring kernel interface (IORING_SETUP_SINGLE_ISSUER | DEFER_TASKRUN, Linux
	// 6.1). The kernel then finishes completions in batches on that thread, instead of
	// interrupting whichever thread submitted each op: less CPU per op for device I/O at high
	// queue depths, but every op pays a hand-off to that thread, even one the kernel completes
	// at once. A kernel without it sets the ring up in the default mode (Engine.Config says
	// so). Other engines ignore it. BENCHMARKS.md has the measured trade.
	SingleIssuer bool

	// CoopTaskrun sets the io_uring ring up with IORING_SETUP_COOP_TASKRUN and
	// IORING_SETUP_TASKRUN_FLAG (Linux 5.19): the kernel finishes a completion when a thread of
	// the process next enters it, instead of interrupting the thread that submitted the op. A
	// kernel without them sets the ring up without (Engine.Config says so). SingleIssuer,
	// which defers that work further, ignores it; other engines too. `ovio bench -levers`
	// measures it (lever coop).
	CoopTaskrun bool

	// SQPoll, if positive, gives the io_uring ring a kernel thread that polls the submission
	// queue (IORING_SETUP_SQPOLL) and sleeps after SQPoll without work (rounded to
	// milliseconds): while it polls, a submission costs no system call. It costs a thread of
	// the process (iou-sqp) that keeps a CPU busy while it polls. A kernel that refuses it
	// sets the ring up without (Engine.Config says so). It cannot be combined with
	// SingleIssuer; other engines ignore it. `ovio bench -levers` measures it (lever sqpoll):
	// it pays only with many ops in flight and a CPU to spare.
	SQPoll time.Duration
}

const (
	defaultEntries     = 256
	defaultMaxInFlight = 1 << 16
)

// Open opens an Engine as cfg says; a nil cfg picks the defaults.
func Open(cfg *Config) (*Engine, error) {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	if c.Entries < 0 || c.MaxInFlight < 0 || c.Workers < 0 || c.SQPoll < 0 {
		return nil, argError("ovio: negative Config.Entries, Config.MaxInFlight, Config.Workers or Config.SQPoll")
	}
	if c.SQPoll > 0 && c.SingleIssuer {
		return nil, argError("ovio: Config.SQPoll and Config.SingleIssuer together")
	}
	kind, from, err := chooseKind(c.Kind, os.Getenv(EnvEngine))
	if err != nil {
		return nil, err
	}
	c.Kind = kind
	if c.Entries == 0 {
		c.Entries = defaultEntries
	}
	if c.MaxInFlight == 0 {
		c.MaxInFlight = defaultMaxInFlight
	}
	e := &Engine{}
	e.ops.max = int64(min(c.MaxInFlight, math.MaxInt32))
	drv, err := openDriver(e, &c)
	if err != nil {
		return nil, err
	}
	e.drv = drv
	e.cfg = c.effective(drv.kind())
	if kind != "" {
		e.asked(kind, from)
	}
	trackEngine(e)
	return e, nil
}

// Kind returns the name of the engine: "io_uring", "iocp" or "blocking".
func (e *Engine) Kind() string { return e.drv.kind() }

// Config returns the configuration the engine runs with: Kind names the engine chosen, the
// defaults are filled in, and a setting is zero where this engine ignores it or the kernel
// refused it. So an io_uring engine asked for CoopTaskrun or SQPoll on a kernel that sets the
// ring up without them (see Config) reports CoopTaskrun false or SQPoll 0, and Entries is the
// submission queue's size as the kernel made it (a power of two).
func (e *Engine) Config() Config { return e.cfg }

// effective is c as an engine of the given kind runs it: the settings that kind ignores are
// zeroed. The drivers have already written what the kernel changed.
func (c Config) effective(kind string) Config {
	c.Kind = kind
	if kind != "io_uring" {
		c.Entries, c.SingleIssuer, c.CoopTaskrun, c.SQPoll = 0, false, false, 0
	}
	if kind != "blocking" {
		c.Workers = 0
	}
	if c.SingleIssuer {
		c.CoopTaskrun = false // the single-issuer mode defers that work further
	}
	return c
}

// Close cancels the ops in flight, waits for their completions, and releases the engine's kernel
// resources. Ops started after Close began fail with an error for which errors.Is(err, ErrClosed)
// holds; ops it cancelled have ErrClosed as their cause. Close is idempotent and safe to call
// while other goroutines start ops.
//
// Close waits for every op in flight to complete. A driver that never completes an op it was
// asked to cancel keeps Close waiting; ovio repeats the cancel every second meanwhile.
//
// The default engine cannot be closed: Close returns an error and leaves it open.
func (e *Engine) Close() error {
	if e.isDefault {
		return errors.New("ovio: the default engine is shared and cannot be closed")
	}
	e.closed.Store(true)
	e.closeOnce.Do(func() { e.closeErr = e.drv.close() })
	return e.closeErr
}

var defaultEngine struct {
	once sync.Once
	e    *Engine
	err  error
}

// Default returns the process-wide engine, opening it on first use with the default Config.
func Default() (*Engine, error) {
	d := &defaultEngine
	d.once.Do(func() {
		d.e, d.err = Open(nil)
		if d.e != nil {
			d.e.isDefault = true
		}
	})
	return d.e, d.err
}

// Stats is a snapshot of an engine's bookkeeping, for tests and monitoring.
type Stats struct {
	InFlight int    // ops started and not yet completed; their memory is pinned
	Ops      int    // ops allocated: the pool's size
	Ignored  uint64 // completions that named no op in flight: stale or foreign
}

// Stats returns a snapshot of the engine's bookkeeping. It walks every op, so it is not for a hot
// path.
func (e *Engine) Stats() Stats {
	e.ops.mu.Lock()
	n := int(e.ops.n)
	e.ops.mu.Unlock()
	return Stats{InFlight: e.ops.inFlight(), Ops: n, Ignored: e.ignored.Load()}
}
