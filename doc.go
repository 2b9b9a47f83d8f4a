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
//     hand-off; ops that wait are reaped by one goroutine per engine. A File's read or write of a
//     descriptor not opened O_DIRECT first tries the page cache (preadv2 with RWF_NOWAIT), which
//     costs what os.File's pread costs, and only what would wait goes through the ring.
//     Config.SingleIssuer has one locked thread do every io_uring_enter, which costs a hand-off
//     per op but less CPU per op at high queue depths. See engine_uring_linux.go.
//     Why this reaping design: the submitter reaps right after its own io_uring_enter, so an op the
//     kernel completes inline costs no wake-up and no goroutine hand-off; the reaper waits in
//     io_uring_enter(GETEVENTS) only while some op needs it, on one OS thread per engine. The
//     usual alternative, an eventfd registered with the ring and read through Go's netpoller,
//     was rejected because the kernel signals the eventfd for every completion, inline ones too,
//     and each signal wakes the netpoller's thread for an op already delivered.
//   - "iocp" on Windows: one I/O completion port per engine, whose packets one goroutine per
//     engine removes in batches. Handles must be opened with FILE_FLAG_OVERLAPPED; each op binds
//     its handle to the port (Engine.Bind does it early). Overlapped, OverlappedHRESULT and
//     OverlappedNTSTATUS await any overlapped call, and DeviceIoControl, ReadDirectoryChanges,
//     ConnectNamedPipe, LockFileEx and CfHydratePlaceholder are typed ones. See
//     engine_iocp_windows.go and WINDOWS.md, which also says where Wine differs from Windows.
//   - "blocking" everywhere else, and where io_uring is missing or forbidden: a bounded pool of
//     goroutines making ordinary system calls, with the same API, the same lifecycle and the same
//     errors. Each worker in a system call holds an OS thread; Config.Workers bounds them.
//
// Open with an empty Config.Kind takes the engine the environment variable OVIO_ENGINE names, if
// it is set, and otherwise the best one: on Linux io_uring when it sets up and has what ovio
// needs, else the blocking engine. Engine.Fallback then says why, as an *EngineError whose Reason
// tells a kernel without io_uring from one that forbids it (seccomp, the sysctl
// kernel.io_uring_disabled, a security module), one too old, and one short of resources. An
// engine asked for by name is never replaced by another. The io_uring engine's optional setup
// (Config.SingleIssuer, CoopTaskrun, SQPoll) is dropped where the kernel refuses it, and
// Engine.Config reports what the engine runs with.
//
// # Requests and ops
//
// A Request describes an op: Nop, ReadAt, WriteAt, Read, Write and, on Unix, Readv, Writev, Fsync,
// Fdatasync, Openat, Close and Timeout; on Linux also Statx, Fallocate, and Prep, which hands the
// caller the io_uring SQE to fill for any operation the kernel offers. Engine.Do runs one and waits;
// Engine.Start runs one and returns an *Op, a future; Engine.DoBatch and Engine.StartBatch run many
// with one system call.
//
// # Files
//
// File is the everyday way in: OpenFile, Create and Engine.OpenFile return a *File whose methods
// are those of *os.File (Read, Write, Seek, ReadAt, WriteAt, Sync, Stat, Truncate, ReadDir,
// Close), with os's semantics and os's errors, plus context forms of the I/O calls and
// ReadAtBatch, which reads many ranges with one submission. Many goroutines may share a File;
// Close cancels its ops in flight and closes the handle only after the last has completed.
// DirFS is os.DirFS on an engine: an fs.FS whose Open, ReadFile and Stat do their waiting in
// goroutines, not OS threads (on Windows its reads and ReadDir do; CreateFile and a path's status
// have no overlapped form). WINDOWS.md says how File maps to Windows calls.
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
// The blocking engine cancels what it can reach: an op still waiting for a worker never runs (its
// ECANCELED is synthesised, so that errors read the same); a read or write waiting for a pipe, a
// socket or a terminal to be ready, which waits in the engine's poller and not in a worker, ends
// at once; a Timeout stops. An op already inside a system call (a read of a regular file, fsync,
// openat of a FIFO) finishes, and reports its result as an op that completed before its cancel
// does. Close waits for it.
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
