// Package ovio awaits native, completion-based asynchronous I/O from goroutines.
//
// Native asynchronous APIs take a control block and report later that the work is done: an
// io_uring submission entry and its completion on Linux, an OVERLAPPED and an I/O completion port
// on Windows. ovio owns the control block, hands it to the call, and blocks the calling goroutine
// (not an OS thread) until the completion arrives.
//
// # Engines
//
// An Engine runs ops on one completion mechanism. Open chooses one, Default shares one per
// process, and Engine.Kind names it:
//
//   - "io_uring" on Linux: one ring per engine. Goroutines that submit at the same time share an
//     io_uring_enter; an op the kernel completes inline is delivered to its goroutine without a
//     hand-off; ops that wait are reaped by one goroutine per engine. See engine_uring_linux.go.
//   - "iocp" on Windows: one I/O completion port per engine.
//   - "blocking" everywhere else, and where io_uring is missing or forbidden: a bounded pool of
//     goroutines making ordinary system calls, with the same API and the same lifecycle.
//
// # Requests and ops
//
// A Request describes an op: Nop, ReadAt, WriteAt, Read, Write and, on Unix, Readv, Writev, Fsync,
// Fdatasync, Openat, Close and Timeout; on Linux also Statx, Fallocate, and Prep, which hands the
// caller the io_uring SQE to fill for any operation the kernel offers. Engine.Do runs one and waits;
// Engine.Start runs one and returns an *Op, a future; Engine.DoBatch and Engine.StartBatch run many
// with one system call.
//
// # Cancellation
//
// A context is the cancellation token. A context already done never starts the op. When the
// context ends while the op is in flight, ovio asks the kernel to cancel it (IORING_OP_ASYNC_CANCEL,
// CancelIoEx) and waits for the op's own completion, which says what happened: an op that
// completed before the cancel took effect returns its result; a cancelled one returns an *OpError
// that wraps the native code (syscall.ECANCELED, windows.ERROR_OPERATION_ABORTED) and for which
// errors.Is(err, context.Canceled) or errors.Is(err, context.DeadlineExceeded) holds.
//
// # Memory
//
// Every buffer a Request names, and the op's own control block, stay reachable and pinned
// (runtime.Pinner) from the moment the op starts until the kernel's completion has been reaped,
// whatever the caller does meanwhile: cancel, time out, return, or Close the engine. Each op
// completes exactly once. Close cancels what is in flight and waits for every completion before it
// frees the kernel's side.
//
// # Guarantees
//
// GUARANTEES.md, beside this file, states these guarantees precisely and where they end (an op the
// kernel never completes keeps Close waiting; the blocking engine cannot interrupt a read of a
// regular file), and how they are checked: a model of the op state machine verified with spin
// (model/op.pml), fault injection into the engines (go test -tags ovio_faults), a soak mode
// (OVIO_SOAK), fuzz targets, and a leak check in every package's tests.
package ovio
