//go:build ovio_faults

package fault

import "sync/atomic"

// Enabled reports whether this build has the fault hooks (the ovio_faults build tag).
const Enabled = true

// Hooks are the faults a test injects. A nil field injects nothing. Hooks run on the engines'
// goroutines, concurrently: they must be safe for that, and must not block.
type Hooks struct {
	// Syscall runs before each native call of an injection site. It may change c.Args, which
	// the site then uses, or answer the call itself: handled true skips the call and reports r
	// and err instead (err nil and r 0 is a spurious early return).
	Syscall func(c *Call) (handled bool, r uintptr, err error)

	// Cancel runs when an engine queues a cancel request for the op named target (io_uring:
	// its user_data) and returns what the request names instead: target itself, or a value
	// that names no op, so that the kernel answers ENOENT and the op runs on.
	Cancel func(target uint64) uint64

	// Completions runs on each batch of completions an engine copied out of the kernel's queue,
	// before they are delivered, on the goroutine that reaps them. It returns the batch to
	// deliver. It may append to cs.
	Completions func(cs []Completion) []Completion

	// CQEntries, if not zero, is the completion queue size of io_uring rings opened while the
	// hooks are set. The kernel accepts no fewer than the submission queue's entries.
	CQEntries uint32
}

// Call is one native call at an injection site.
type Call struct {
	// Name is the call: "io_uring_enter" (Args: fd, to_submit, min_complete, flags, arg,
	// argsz); the IOCP engine adds "GetQueuedCompletionStatusEx" and "CancelIoEx".
	Name string
	Args [6]uintptr
	// Status is what the site knows beside the arguments. For io_uring_enter: the SQ ring's
	// flags (IORING_SQ_CQ_OVERFLOW says completions wait in the kernel's overflow list).
	Status uint32
}

// Completion is one completion as an engine is about to deliver it: io_uring's CQE.
type Completion struct {
	UserData uint64
	Res      int32
	Flags    uint32
}

var hooks atomic.Pointer[Hooks]

// Set installs h (nil removes every hook) and returns a function that puts back the hooks it
// replaced. Tests call it before they open the engines it should affect; Syscall, Cancel and
// Completions take effect at once on engines already open, CQEntries at their next Open.
func Set(h *Hooks) (restore func()) {
	old := hooks.Swap(h)
	return func() { hooks.Store(old) }
}

// Load returns the hooks in force, or nil.
func Load() *Hooks { return hooks.Load() }
