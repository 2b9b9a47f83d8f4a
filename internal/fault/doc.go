// Package fault is ovio's fault injection for tests: the hooks through which a test makes a
// native call fail, rewrites the kernel's answers, or shrinks a kernel queue, so that the paths
// the kernel takes only under pressure (a full or overflowing queue, an interrupted wait, a
// cancel that finds nothing) run on every CI run.
//
// The hooks exist only in builds with the ovio_faults tag:
//
//	go test -tags ovio_faults -race ./...
//
// Without the tag, Enabled is false and the package holds nothing else. Every injection site in
// ovio is a call to a function of its own package's faults_on*.go (built with the tag) or
// faults_off*.go (without it); the off versions are empty, or make the plain native call, and
// inline to that, so a normal build has neither the hooks nor a branch to test them.
//
// The hooks are shaped after what an engine does, not after one kernel interface, so that every
// engine uses the same ones:
//
//   - Syscall sees each native call an engine makes to submit, wait for completions or cancel
//     (io_uring_enter; for IOCP, GetQueuedCompletionStatusEx and CancelIoEx; for the blocking
//     engine, its poll(2) calls and the RWF_NOWAIT reads and writes of streams). It may rewrite
//     the arguments (ask for one completion at a time, cancel another address) or answer in the
//     kernel's place (EINTR, ERROR_NOT_FOUND, EAGAIN, a spurious early return), and may ask to
//     see the kernel's own answer (Call.Done).
//   - Cancel redirects a cancel request that does not go through a system call of its own (an
//     io_uring ASYNC_CANCEL entry) to a target that matches nothing, so that the kernel itself
//     answers that it found no op.
//   - Completions sees each batch of completions an engine is about to deliver (io_uring's CQEs,
//     IOCP's packets), and may rewrite, drop, duplicate or add entries.
//   - CQEntries shrinks the completion queue of rings opened from then on.
package fault
