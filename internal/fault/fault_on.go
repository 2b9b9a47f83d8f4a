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
	// Name is the call, and Args its arguments:
	//
	//   - "io_uring_enter" (the io_uring engine): fd, to_submit, min_complete, flags, the wait's
	//     timeout in nanoseconds (with IORING_ENTER_EXT_ARG), 0.
	//   - "io_uring_setup" (the io_uring engine's Open): the entries, the setup flags. An answer
	//     in the kernel's place must be an error (a nil one is not taken), as a kernel that
	//     refuses a flag gives (EINVAL).
	//   - "GetQueuedCompletionStatusEx" (the IOCP engine's completion goroutine): the port, 0,
	//     the count of entries asked for, 0, the timeout in milliseconds, 0. The hook may lower
	//     the count (not below 1) and change the timeout. An answer in the system's place removes
	//     no packet: r is ignored, err is the call's error (nil: an early return with nothing).
	//   - "CancelIoEx" (the IOCP engine's cancel): the handle, the OVERLAPPED's address. The
	//     hook may point it at another address, which the system then answers for (with
	//     ERROR_NOT_FOUND: it names no request of the handle); the address is only compared,
	//     never dereferenced.
	//   - "poll" (the blocking engine): the number of descriptors, the timeout in milliseconds.
	//     An answer in the system's place reports no descriptor ready whatever r says.
	//   - "preadv2" and "pwritev2" with RWF_NOWAIT (the blocking engine on Linux, a stream's
	//     read or write at its current position): the descriptor, the number of buffers. An
	//     answer in the system's place must be an error (a nil one is not taken): EAGAIN says
	//     the descriptor is not ready, and the op waits in the poller.
	Name string
	Args [6]uintptr
	// Status is what the site knows beside the arguments. For io_uring_enter: the SQ ring's
	// flags (IORING_SQ_CQ_OVERFLOW says completions wait in the kernel's overflow list). For
	// poll: 1 for the blocking engine's poller, 0 for a worker's look at one descriptor.
	Status uint32
	// Done, if the hook sets it, is called with the native call's answer after the site made
	// the call (not when the hook answered it). The IOCP and blocking engines' sites call it;
	// io_uring_enter's does not (its answers are seen through Completions).
	Done func(r uintptr, err error)
}

// Completion is one completion as an engine is about to deliver it.
//
// For io_uring it is the CQE: UserData, Res and Flags; Key is 0. For IOCP it is the packet, an
// OVERLAPPED_ENTRY: Key is its completion key, UserData its lpOverlapped (an address, never
// dereferenced by the engine unless it is exactly one of its own OVERLAPPEDs), Res its
// dwNumberOfBytesTransferred (as int32 bits); Flags is 0.
type Completion struct {
	UserData uint64
	Res      int32
	Flags    uint32
	Key      uint64
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
