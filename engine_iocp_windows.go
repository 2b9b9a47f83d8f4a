package ovio

// The IOCP engine: how an op's native call is made, how its completion packet is matched back to
// it, and when an op completes without a packet.
//
// One completion port per engine. Handles are associated with it on use (bind, below). A goroutine
// per engine blocks in GetQueuedCompletionStatusEx, one OS thread per engine, and delivers up to 64
// packets per call; delivering never blocks (op.complete sends on a capacity-1 channel or closes a
// future's), so a slow waiter never delays the others.
//
// Matching packets to ops. A packet names an OVERLAPPED by address, and the engine's OVERLAPPEDs are
// the ov fields of its ops, which live in the op table's chunks for the engine's life. The address
// is looked up among the chunks' address ranges (sorted, binary search), then turned into an index
// by arithmetic: an address that is not exactly one of ovio's OVERLAPPEDs, or whose op is not in
// flight, is counted in Engine.Stats().Ignored and never dereferenced. The completion key tags the
// packet: keyIO for the I/O of handles ovio bound, keyFence for ovio's own packets (a Nop, a
// fence), keyWake for Close's wake-up; any other key is foreign.
//
// Packets carry no generation, so an OVERLAPPED is never issued again while a packet for it may
// still come: an op completes inline only when the system says no packet will follow.
//
//   - The call is pending (ERROR_IO_PENDING, 0x800703E5, STATUS_PENDING): its packet completes it.
//     So is a call reported as a success whose OVERLAPPED still says STATUS_PENDING: a call that
//     completes at once writes its status before returning. (ReadDirectoryChangesW returns TRUE
//     for a call it queued. It cannot tell a call that completed at once from one that completed
//     in the instant before it returned, so the engine makes its call through
//     NtNotifyChangeDirectoryFile, whose STATUS_PENDING is exact.)
//   - It failed at once with an error status: no packet follows (the I/O manager neither writes the
//     IO_STATUS_BLOCK, which is the OVERLAPPED's Internal members, nor queues a packet for
//     requests that fail synchronously with an error severity). Complete inline.
//   - It succeeded at once, on a handle where FILE_SKIP_COMPLETION_PORT_ON_SUCCESS took: no packet.
//     Complete inline.
//   - Any other synchronous outcome: a success without the skip mode, or a warning or
//     informational status such as ERROR_MORE_DATA (STATUS_BUFFER_OVERFLOW). Windows queues a
//     packet for these (the skip mode is documented for success only); Wine 8 queues none for a
//     warning when the skip mode is on. Rather than guess, the engine posts a fence: a packet of
//     its own (keyFence, the op's OVERLAPPED, the generation in the byte count) carrying the
//     synchronous result. A packet the system queued for the call was queued before the call
//     returned, so it comes first and completes the op; the fence then finds the op done and is
//     dropped. Where no packet was queued, the fence completes the op. Either way: exactly once,
//     and no hang.
//
// The skip mode is thus an optimisation, never needed for correctness: a handle where it did not
// take only costs a fence per synchronous success.
//
// Who completes an op. Once the call is made, its packet may be removed by the completion
// goroutine before the call has even returned (a synchronous success without the skip mode, a
// warning on Windows), and completing the op lets its waiter release it for reuse. So the starting
// goroutine reads the call's outcome in phaseCalling, during which the completion goroutine parks
// a packet in the op (phasePacket) instead of completing it; the starting goroutine then writes
// what a fence needs and leaves with a CAS to phaseIssued, after which it touches only the
// OVERLAPPED's address. If the CAS fails, a packet came: it completes the op with it.
//
// Cancelling: CancelIoEx on the op's handle and OVERLAPPED, under the op's sys.mu, which release
// also takes, so that the OVERLAPPED cannot be reissued by a later op while the CancelIoEx that
// names it runs. ERROR_NOT_FOUND means it is completing (or completed synchronously and awaits its
// fence): the packet still comes.

import (
	"cmp"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ovio/ovio/internal/iocp"
	"golang.org/x/sys/windows"
)

// Completion keys. keyIO is the key of every handle the engine binds; the others are the engine's
// own packets. They are unlikely values, so that a foreign PostQueuedCompletionStatus with a small
// key is told apart.
const (
	keyIO    = 0x6f766901
	keyFence = 0x6f766902
	keyWake  = 0x6f766903
)

const (
	// ovUntouched is the low 32 bits of an OVERLAPPED's Internal before its call: no NTSTATUS
	// has that value, so a call that leaves it there did not reach the I/O manager.
	ovUntouched = 0xFFFFFFFF

	maxRW     = 1 << 30 // the most one ReadFile or WriteFile is asked to move
	batchSize = 64      // packets per GetQueuedCompletionStatusEx
)

type iocpDriver struct {
	e    *Engine
	id   uint64 // names the engine in the handle registry
	port windows.Handle

	closing  atomic.Bool
	starting atomic.Int64 // start1 calls under way: Close waits for them before cancelling
	done     chan struct{}
	wake     *windows.Overlapped // the OVERLAPPED of Close's wake-up packet

	lateFences   atomic.Uint64 // fences dropped because the system's packet came first
	earlyPackets atomic.Uint64 // packets that came while their call's goroutine was deciding

	// The completion goroutine's own.
	entries []iocp.OverlappedEntry
	ranges  []chunkRange // the op table's chunks, sorted by address
	stride  uintptr      // the distance between two ops' OVERLAPPEDs
}

// chunkRange is one chunk of the op table, by the address of its first OVERLAPPED.
type chunkRange struct {
	base  uintptr
	first uint32 // the index of its first op
}

var driverIDs atomic.Uint64

// drivers holds the open IOCP engines by id, for the messages of bind errors.
var drivers sync.Map // uint64 → *iocpDriver

func openIOCP(e *Engine) (*iocpDriver, error) {
	port, err := windows.CreateIoCompletionPort(windows.InvalidHandle, 0, 0, 1)
	if err != nil {
		return nil, &OpError{Op: "CreateIoCompletionPort", Err: err}
	}
	d := &iocpDriver{
		e:       e,
		id:      driverIDs.Add(1),
		port:    port,
		done:    make(chan struct{}),
		wake:    new(windows.Overlapped),
		entries: make([]iocp.OverlappedEntry, batchSize),
	}
	drivers.Store(d.id, d)
	go d.loop()
	return d, nil
}

func (d *iocpDriver) kind() string { return "iocp" }

// op.go's markAsync serves io_uring's reaper only: an IOCP packet always goes to the completion
// goroutine. Referenced here so that staticcheck, run for Windows, does not report it unused.
var _ = (*op).markAsync

// Binding.
//
// A handle's file object can be associated with one completion port, once, for its life;
// CreateIoCompletionPort fails with ERROR_INVALID_PARAMETER for a file already bound, to this port
// or another, and for one opened without FILE_FLAG_OVERLAPPED. Windows offers no way to ask which
// port a file is bound to. And handle values are reused: close a handle and open another file, and
// the new handle often has the old one's value.
//
// So the engine tries CreateIoCompletionPort before every op, under a lock per handle value:
//   - It succeeds: the file was unbound (first use, or a new file behind a reused value). Set the
//     skip mode, and record that this engine bound the value, and whether the skip mode took.
//   - ERROR_INVALID_PARAMETER, and the record says this engine bound the value: the file is ours.
//   - ERROR_INVALID_PARAMETER otherwise: another engine's port, a port outside ovio, or a
//     synchronous handle. The op fails at once with an error saying which (FileModeInformation
//     tells a synchronous handle), rather than waiting for a packet that would go elsewhere.
//
// The one case this cannot see: a value this engine bound, closed, and reused for a file that code
// outside ovio bound to its own port. Engine.Unbind before closing such a handle rules it out.

// handles maps a handle value to what ovio knows of its binding.
var handles sync.Map // Handle → *handleEntry

type handleEntry struct {
	mu    sync.Mutex
	owner uint64 // the id of the engine that bound this value last; 0 for none
	skip  bool   // FILE_SKIP_COMPLETION_PORT_ON_SUCCESS took on that binding
}

func handleEntryOf(h Handle) *handleEntry {
	v, ok := handles.Load(h)
	if !ok {
		v, _ = handles.LoadOrStore(h, new(handleEntry))
	}
	return v.(*handleEntry)
}

// closeBound closes h and forgets that an engine bound its value, for a handle whose last use ovio
// knows (a File's): once closed, the value no longer names the file the engine bound, and the next
// file to get it is bound anew, by an engine (its first bind succeeds) or by other code. Without
// this the record would let an op on the value, if a file bound to another port got it, start
// where its packet cannot come. The close and the forgetting happen under the value's lock, so
// that a bind of the next file behind the value comes after both.
func closeBound(h Handle) error {
	v, ok := handles.Load(h)
	if !ok {
		return windows.CloseHandle(h)
	}
	ent := v.(*handleEntry)
	ent.mu.Lock()
	defer ent.mu.Unlock()
	err := windows.CloseHandle(h)
	if err == nil {
		ent.owner, ent.skip = 0, false
	}
	return err
}

// bind makes sure h's file is associated with the engine's port, and reports whether the skip
// mode is on for it.
func (d *iocpDriver) bind(h Handle) (skip bool, err error) {
	if h == 0 || h == windows.InvalidHandle {
		// CreateIoCompletionPort would take INVALID_HANDLE_VALUE as "create a port".
		return false, windows.ERROR_INVALID_HANDLE
	}
	ent := handleEntryOf(h)
	ent.mu.Lock()
	defer ent.mu.Unlock()
	_, err = windows.CreateIoCompletionPort(h, d.port, keyIO, 0)
	switch {
	case err == nil:
		ent.owner = d.id
		modes := uint8(windows.FILE_SKIP_SET_EVENT_ON_HANDLE)
		// Not on a socket whose provider is not IFS (see iocp.SocketIFS): there a call that
		// succeeded at once takes the fence path, as on a handle where the mode did not take.
		socket, ifs := socketIFS(h)
		skip := !socket || ifs
		if skip {
			modes |= windows.FILE_SKIP_COMPLETION_PORT_ON_SUCCESS
		}
		ent.skip = windows.SetFileCompletionNotificationModes(h, modes) == nil && skip
		return ent.skip, nil
	case err != windows.ERROR_INVALID_PARAMETER:
		return false, err
	case ent.owner == d.id:
		return ent.skip, nil
	}
	return false, bindErrorFor(h, ent.owner)
}

// socketIFS is iocp.SocketIFS; a variable for the tests.
var socketIFS = iocp.SocketIFS

// bindErrorFor says why h, which CreateIoCompletionPort refused, cannot be bound. The file's mode
// is a fact about the file behind h now; the record of who bound the value last may be older
// than that file, so the message says only that.
func bindErrorFor(h Handle, owner uint64) error {
	mode, err := iocp.FileMode(h)
	switch {
	case err != nil:
		return &bindError{h, ErrBoundElsewhere, "its file mode could not be read: " + err.Error()}
	case mode&(windows.FILE_SYNCHRONOUS_IO_ALERT|windows.FILE_SYNCHRONOUS_IO_NONALERT) != 0:
		return &bindError{h, ErrNotOverlapped, ""}
	case owner != 0:
		if _, open := drivers.Load(owner); open {
			return &bindError{h, ErrBoundElsewhere, "this handle value was last bound by another ovio engine"}
		}
		return &bindError{h, ErrBoundElsewhere, "this handle value was last bound by an ovio engine now closed"}
	}
	return &bindError{h, ErrBoundElsewhere, "a port outside ovio: Go's runtime binds the overlapped handles of os.File and net, " +
		"and os.File.Fd detaches them only where FileReplaceCompletionInformation is supported"}
}

// Bind associates h's file with the engine's completion port now, rather than at its first op, so
// that a handle that cannot be bound is reported where it was opened. It is optional: every op
// binds its handle.
//
// h must be opened with FILE_FLAG_OVERLAPPED, and not be bound to another port: the error then
// matches ErrNotOverlapped or ErrBoundElsewhere, at once, never a hang. A file is bound to one port
// for its life (or until Unbind): a handle used with this engine cannot be used with another engine
// nor with Go's os and net packages, which bind it to the runtime's port, and stays bound after
// the engine is closed.
//
// The engine sets FILE_SKIP_COMPLETION_PORT_ON_SUCCESS and FILE_SKIP_SET_EVENT_ON_HANDLE on the
// handles it binds, so that a call that succeeds at once completes its op without a packet. The
// modes cannot be removed: code that uses the handle outside ovio must not wait for the packet of
// such a call, nor for the handle's event.
//
// On an engine that is not the IOCP engine, Bind does nothing.
func (e *Engine) Bind(h Handle) error {
	d, ok := e.drv.(*iocpDriver)
	if !ok {
		return nil
	}
	d.starting.Add(1)
	defer d.starting.Add(-1)
	if d.closing.Load() {
		return &OpError{Op: "CreateIoCompletionPort", Err: ErrClosed}
	}
	if _, err := d.bind(h); err != nil {
		return &OpError{Op: "CreateIoCompletionPort", Err: err}
	}
	return nil
}

// Unbind removes the association of h's file with the engine's port, so that h can be used with
// another engine, or handed to code that binds it to its own port. No op may be in flight on h.
//
// It needs FileReplaceCompletionInformation (Windows 8.1 and later). Where the system lacks it
// (Wine 8 among them) Unbind fails with an error matching ErrNotSupported and h stays bound to the
// engine, usable with it as before.
//
// Unbind is also how to rule out the one case the engine cannot detect by itself: a handle it
// bound, closed without Unbind, whose value the system gives to a new file that code outside ovio
// binds to another port. An op on that value would be started and its packet would go to the
// other port. Unbind before closing a handle whose value may come back that way.
func (e *Engine) Unbind(h Handle) error {
	d, ok := e.drv.(*iocpDriver)
	if !ok {
		return nil
	}
	ent := handleEntryOf(h)
	ent.mu.Lock()
	defer ent.mu.Unlock()
	if ent.owner != d.id {
		return &OpError{Op: "Unbind", Err: argError("the handle is not bound to this engine")}
	}
	if err := iocp.Dissociate(h); err != nil {
		if st, ok := err.(windows.NTStatus); ok {
			if uint32(st) == iocp.StatusNotImplemented || uint32(st) == iocp.StatusInvalidInfo {
				return &OpError{Op: "Unbind", Err: notSupported("FileReplaceCompletionInformation")}
			}
			err = st.Errno()
		}
		return &OpError{Op: "Unbind", Err: err}
	}
	ent.owner, ent.skip = 0, false
	return nil
}

// Starting ops.

func (d *iocpDriver) start(ops []*op) {
	// IOCP has no batched submission: each call is its own system call.
	i := 0
	defer func() {
		// Only a panicking start function leaves the loop early: the ops after it never
		// start, and must not stay pending, or Close would wait for them for ever.
		for _, o := range ops[min(i+1, len(ops)):] {
			d.abandon(o)
		}
	}()
	for ; i < len(ops); i++ {
		d.start1(ops[i])
	}
}

func (d *iocpDriver) start1(o *op) {
	d.starting.Add(1)
	defer d.starting.Add(-1)
	gen := genOf(o.state.Load())
	if d.closing.Load() {
		o.complete(gen, 0, ErrClosed)
		return
	}
	r, s := o.req, &o.sys
	s.ov = windows.Overlapped{}
	s.io = false
	s.uncertain.Store(false)
	switch r.code {
	case opNop:
		s.phase.Store(phaseIssued)
		d.publish(o)
		d.fence(o, gen, 0, nil)
		return
	case opRead, opWrite, opNative:
	default:
		o.complete(gen, 0, notSupported(r.name()+" on the IOCP engine"))
		return
	}
	if r.code == opNative && r.sys.op == winCfHydratePlaceholder {
		if err := iocp.CfHydratePlaceholderAvailable(); err != nil {
			o.complete(gen, 0, notSupported("CfHydratePlaceholder (cldapi.dll: "+err.Error()+")"))
			return
		}
	}
	skip, err := d.bind(r.h)
	if err != nil {
		o.complete(gen, 0, err)
		return
	}
	s.h, s.io = r.h, true
	s.ov.Internal = ovUntouched
	if r.code != opNative || r.sys.op == winLockFileEx || r.sys.op == winUnlockFileEx {
		// Read and Write at the current position pass curPos, -1: handles opened for overlapped
		// I/O have no position. Pipes and devices ignore the offset; for a file, -1 is
		// FILE_WRITE_TO_END_OF_FILE to WriteFile (append) and ERROR_INVALID_PARAMETER to ReadFile.
		s.ov.Offset, s.ov.OffsetHigh = uint32(r.off), uint32(uint64(r.off)>>32)
	}
	s.phase.Store(phaseCalling)
	d.publish(o)
	res := d.call(o)

	// Decide, in phaseCalling, what the return means.
	const (
		wait  = iota // in flight: its packet completes the op
		now          // no packet will follow: complete the op here
		fence        // a packet may follow: post a fence behind it
	)
	act := wait
	var n int64
	var perr error
	st := uint32(s.ov.Internal)
	switch {
	case res.panicked:
		perr = &startPanic{}
		// Nobody waits for the op any more: whoever completes it releases it.
		d.orphan(o)
		switch st {
		case ovUntouched: // nothing reached the I/O manager
			act = now
		case iocp.StatusPending:
			// In flight, or failed at once (kernel32 writes STATUS_PENDING before the native
			// call, and a call that fails at once leaves it): the call's return told which,
			// and the panic lost it. Wait, and let cancel find out.
			s.uncertain.Store(true)
		default:
			act, n = fence, int64(s.ov.InternalHigh)
		}
	case res.pending:
	case res.nt:
		act = fence
		if iocp.NTError(res.status) || (res.status == iocp.StatusSuccess && skip) {
			act = now
		}
	case res.err == nil && st == iocp.StatusPending:
		// Success reported for a call that was only queued (ReadDirectoryChangesW does that):
		// a call that completed at once wrote its status, so this one is in flight.
	case res.err == nil:
		act = fence
		if st == ovUntouched || (st == iocp.StatusSuccess && skip) {
			act = now
		}
	default:
		act = fence
		if st == ovUntouched || st == iocp.StatusPending || iocp.NTError(st) {
			act = now
		}
	}
	if act != wait && !res.panicked {
		n, perr = outcome(o, int64(s.ov.InternalHigh), res.err)
	}
	if act == fence {
		s.syncN, s.syncErr = n, perr
		s.fenceGen.Store(gen)
	}
	if !s.phase.CompareAndSwap(phaseCalling, phaseIssued) {
		// The call's packet came meanwhile: it says how the call ended.
		n, err := d.packetResult(o, s.pktN, s.pktStatus)
		o.complete(gen, n, err)
	} else {
		// From here the op may complete at any moment: only its address is used.
		switch act {
		case now:
			o.complete(gen, n, perr)
		case fence:
			d.postFence(&s.ov, gen)
		case wait:
			if res.panicked {
				d.cancel(o, gen) // see cancel
			}
		}
	}
	if res.panicked {
		panic(res.panicVal)
	}
}

// orphan makes an op whose start function panicked release itself when it completes: the Do that
// started it unwinds with the panic and will never read it. A future (Start) does that already;
// DoBatch waits for its ops, then releases them, before it raises the panic again. Called while
// the starting goroutine still owns the op (phaseCalling, or before publish), so that no
// completion reads o.fut meanwhile.
func (d *iocpDriver) orphan(o *op) {
	if o.fut == nil && o.w == &o.own {
		o.fut = &Op{e: d.e, o: o, gen: genOf(o.state.Load()), done: make(chan struct{})}
	}
}

// abandon ends an op of a batch that never started because an earlier start function of the
// batch panicked; like that op, its future or DoBatch releases it.
func (d *iocpDriver) abandon(o *op) {
	d.orphan(o)
	o.complete(genOf(o.state.Load()), 0, errNotStarted)
}

// publish pins the op's OVERLAPPED and the memory its request lends, and publishes the op, right
// before the call. What the starting goroutine does with the op after the call is ordered before
// the completion goroutine's accesses by the phase CAS (see above), not by publish.
func (d *iocpDriver) publish(o *op) {
	o.pin.Pin(&o.sys.ov)
	o.pinRequest()
	o.publish()
}

// callResult is what an op's native call returned.
type callResult struct {
	pending  bool   // in flight: its packet completes the op
	err      error  // the synchronous outcome: nil for success
	nt       bool   // the call returned an NTSTATUS, in status
	status   uint32 //
	panicked bool   // the caller's start function panicked with panicVal
	panicVal any
}

// call makes the op's native call with its OVERLAPPED.
func (d *iocpDriver) call(o *op) (res callResult) {
	r, s := o.req, &o.sys
	ov := &s.ov
	s.done = 0
	var err error
	switch r.code {
	case opRead:
		err = windows.ReadFile(r.h, r.buf[:min(len(r.buf), maxRW)], &s.done, ov)
	case opWrite:
		err = windows.WriteFile(r.h, r.buf[:min(len(r.buf), maxRW)], &s.done, ov)
	case opNative:
		switch r.sys.op {
		case winOverlapped:
			return callStart(r.sys.start, ov)
		case winDeviceIoControl:
			err = windows.DeviceIoControl(r.h, r.flags, first(r.sys.in), uint32(len(r.sys.in)),
				first(r.buf), uint32(len(r.buf)), &s.done, ov)
		case winReadDirectoryChanges:
			// Through its NTSTATUS: ReadDirectoryChangesW returns TRUE for a call it queued.
			return ntResult(iocp.NotifyChangeDirectory(r.h, r.buf, r.flags, r.mode != 0, ov))
		case winConnectNamedPipe:
			err = windows.ConnectNamedPipe(r.h, ov)
		case winLockFileEx:
			err = windows.LockFileEx(r.h, r.flags, 0, uint32(r.length), uint32(uint64(r.length)>>32), ov)
		case winUnlockFileEx:
			err = windows.UnlockFileEx(r.h, 0, uint32(r.length), uint32(uint64(r.length)>>32), ov)
		case winCfHydratePlaceholder:
			hr, lerr := iocp.CfHydratePlaceholder(r.h, r.off, r.length, r.flags, ov)
			if lerr != nil {
				// Not called: cldapi.dll went missing after start1 found it. ov is untouched.
				return callResult{err: notSupported("CfHydratePlaceholder (cldapi.dll: " + lerr.Error() + ")")}
			}
			err = hresultCallError(HRESULT(hr))
		}
	}
	if err == windows.ERROR_IO_PENDING {
		return callResult{pending: true}
	}
	return callResult{err: err}
}

// callStart runs a caller's start function. A panic is returned, to be raised again once the op
// is settled.
func callStart(start any, ov *windows.Overlapped) (res callResult) {
	defer func() {
		if p := recover(); p != nil {
			res = callResult{panicked: true, panicVal: p}
		}
	}()
	var err error
	switch f := start.(type) {
	case func(*windows.Overlapped) error:
		err = f(ov)
	case func(*windows.Overlapped) HRESULT:
		err = hresultCallError(f(ov))
	case func(*windows.Overlapped) windows.NTStatus:
		return ntResult(uint32(f(ov)))
	}
	if err == windows.ERROR_IO_PENDING {
		return callResult{pending: true}
	}
	return callResult{err: err}
}

// ntResult is the callResult of a call that returned the NTSTATUS st.
func ntResult(st uint32) callResult {
	if st == iocp.StatusPending {
		return callResult{pending: true}
	}
	res := callResult{nt: true, status: st}
	if !iocp.NTSuccess(st) {
		res.err = windows.NTStatus(st).Errno()
	}
	return res
}

// hresultCallError maps the HRESULT a call returned to the error convention of Win32 calls: nil
// for success, ERROR_IO_PENDING for pending, a windows.Errno for FACILITY_WIN32 failures.
func hresultCallError(hr HRESULT) error {
	switch {
	case int32(hr) == iocp.HRESULTIOPending:
		return windows.ERROR_IO_PENDING
	case hr >= 0:
		return nil
	}
	if code, ok := iocp.Win32FromHRESULT(int32(hr)); ok {
		return windows.Errno(code)
	}
	return hr
}

func first(b []byte) *byte {
	if len(b) == 0 {
		return nil
	}
	return &b[0]
}

type startPanic struct{}

func (*startPanic) Error() string { return "start function panicked" }

// outcome maps a completed call's result to what the op reports.
func outcome(o *op, n int64, err error) (int64, error) {
	r := o.req
	switch {
	case r.code == opRead && (err == windows.ERROR_HANDLE_EOF || err == windows.ERROR_BROKEN_PIPE):
		// End of file, or of a pipe whose other end closed: 0 bytes and no error, as on Unix.
		return 0, nil
	case r.code != opNative:
	case r.sys.op == winConnectNamedPipe && err == windows.ERROR_PIPE_CONNECTED:
		// The client connected between CreateNamedPipe and ConnectNamedPipe: what was awaited.
		return 0, nil
	case r.sys.op == winReadDirectoryChanges && err == nil && n == 0 && len(r.buf) > 0:
		// STATUS_NOTIFY_ENUM_DIR, or a synchronous success with nothing in the buffer: the
		// changes did not fit, and the system dropped them.
		return 0, windows.ERROR_NOTIFY_ENUM_DIR
	}
	return n, err
}

// fence completes an op whose call did not reach the kernel (a Nop) with n and err, through a
// packet, as if it were a call whose packet may or may not follow.
func (d *iocpDriver) fence(o *op, gen uint32, n int64, err error) {
	o.sys.syncN, o.sys.syncErr = n, err
	o.sys.fenceGen.Store(gen)
	d.postFence(&o.sys.ov, gen)
}

// postFence posts the fence of generation gen of the op whose OVERLAPPED is ov. Once the fence
// fields are written, the op may complete at any moment (by the system's packet): this touches
// only ov's address.
func (d *iocpDriver) postFence(ov *windows.Overlapped, gen uint32) {
	for delay := time.Microsecond; ; delay = min(2*delay, 10*time.Millisecond) {
		// The port is open: Close waits for every start1 before closing it. Posting fails only
		// when the system is short of memory; the op cannot end without its packet, so retry.
		if windows.PostQueuedCompletionStatus(d.port, gen, keyFence, ov) == nil {
			return
		}
		time.Sleep(delay)
	}
}

// Completions.

// loop is the completion goroutine: it removes packets in batches and delivers them.
func (d *iocpDriver) loop() {
	defer close(d.done)
	for {
		// Blocks this goroutine's thread in the kernel until a packet comes.
		n, err := faultGetQueued(d.port, d.entries, windows.INFINITE)
		if err != nil {
			if err == windows.ERROR_ABANDONED_WAIT_0 || err == windows.ERROR_INVALID_HANDLE {
				return // the port was closed: only Close does that, after stopping us
			}
			time.Sleep(time.Millisecond)
			continue
		}
		stop := false
		batch := faultPackets(d.entries[:n])
		for i := range batch {
			en := &batch[i]
			switch en.CompletionKey {
			case keyIO:
				d.deliver(en)
			case keyFence:
				d.deliverFence(en)
			case keyWake:
				if en.Overlapped == iocp.Addr(d.wake) {
					stop = true
				} else {
					d.e.ignored.Add(1)
				}
			default:
				d.e.ignored.Add(1) // posted to our port by someone else
			}
		}
		if stop {
			return
		}
	}
}

// deliver completes the op of an I/O packet.
func (d *iocpDriver) deliver(en *iocp.OverlappedEntry) {
	o := d.lookup(en.Overlapped)
	if o == nil {
		d.e.ignored.Add(1) // an OVERLAPPED ovio did not issue, on a handle it bound
		return
	}
	// This load orders what the starting goroutine wrote into the op (publish) before what we
	// read of it here.
	s := o.state.Load()
	if s&stMask != stPending || s&flagPublished == 0 {
		d.e.ignored.Add(1)
		return
	}
	n, status := int64(en.NumberOfBytesTransferred), uint32(o.sys.ov.Internal)
	switch o.sys.phase.Load() {
	case phaseCalling:
		// The starting goroutine is still reading the call's outcome: leave the packet to it.
		o.sys.pktN, o.sys.pktStatus = n, status
		if o.sys.phase.CompareAndSwap(phaseCalling, phasePacket) {
			d.earlyPackets.Add(1)
			return
		}
	case phasePacket:
		d.e.ignored.Add(1) // a second packet for one call
		return
	}
	n, err := d.packetResult(o, n, status)
	if _, ok := o.complete(genOf(s), n, err); !ok {
		d.e.ignored.Add(1)
	}
}

// packetResult is the op's result from the packet of its call: n bytes, with status.
func (d *iocpDriver) packetResult(o *op, n int64, status uint32) (int64, error) {
	var err error
	switch {
	case status == iocp.StatusNotifyEnumDir:
		err = windows.ERROR_NOTIFY_ENUM_DIR
	case !iocp.NTSuccess(status):
		err = windows.NTStatus(status).Errno()
	}
	return outcome(o, n, err)
}

// deliverFence completes the op of a fence, unless the system's own packet did.
func (d *iocpDriver) deliverFence(en *iocp.OverlappedEntry) {
	o := d.lookup(en.Overlapped)
	if o == nil {
		d.e.ignored.Add(1)
		return
	}
	gen := en.NumberOfBytesTransferred
	if o.sys.fenceGen.Load() != gen {
		d.lateFences.Add(1) // an older use of the op: its system packet completed it
		return
	}
	if s := o.state.Load(); genOf(s) != gen || s&stMask != stPending {
		d.lateFences.Add(1) // the system's packet came first
		return
	}
	// Only this goroutine completes a fenced op, so the op stays pending until then.
	o.complete(gen, o.sys.syncN, o.sys.syncErr)
}

// lookup returns the op whose OVERLAPPED is at addr, or nil if addr is not exactly one.
func (d *iocpDriver) lookup(addr uintptr) *op {
	if addr == 0 {
		return nil
	}
	if o := d.find(addr); o != nil {
		return o
	}
	// The table may have grown since the ranges were built.
	cs := d.e.ops.chunks.Load()
	if cs == nil || len(*cs) == len(d.ranges) {
		return nil
	}
	d.ranges = d.ranges[:0]
	for i, c := range *cs {
		d.ranges = append(d.ranges, chunkRange{iocp.Addr(&c[0].sys.ov), uint32(i) * opChunk})
	}
	slices.SortFunc(d.ranges, func(a, b chunkRange) int { return cmp.Compare(a.base, b.base) })
	d.stride = iocp.Addr(&(*cs)[0][1].sys.ov) - iocp.Addr(&(*cs)[0][0].sys.ov)
	return d.find(addr)
}

func (d *iocpDriver) find(addr uintptr) *op {
	rs := d.ranges
	i := sort.Search(len(rs), func(i int) bool { return rs[i].base > addr }) - 1
	if i < 0 {
		return nil
	}
	off := addr - rs[i].base
	if off%d.stride != 0 || off/d.stride >= opChunk {
		return nil
	}
	return d.e.ops.get(rs[i].first + uint32(off/d.stride))
}

// Cancelling and closing.

// A start function that panicked with its OVERLAPPED saying STATUS_PENDING may have left its call
// in flight, or the call may have failed at once: the return that said which was lost. CancelIoEx
// tells them apart. If it finds the call, the call was in flight, and its packet (a cancellation
// now: nobody wants the result) completes the op. If it finds nothing while the OVERLAPPED still
// says STATUS_PENDING, no call is pending with the OVERLAPPED and none completed (the I/O manager
// writes the final status before it lets go of the request and queues its packet), so no packet
// will come, and the op completes at once. start1 cancels such an op as soon as it is issued, and
// any later cancel (Close's) does the same.
func (d *iocpDriver) cancel(o *op, gen uint32) {
	o.sys.mu.Lock()
	s := o.state.Load()
	settled := genOf(s) == gen && s&stMask == stPending && s&flagPublished != 0 && o.sys.io &&
		d.cancelLocked(o)
	o.sys.mu.Unlock()
	if settled {
		// After the unlock: an orphan's release takes o.sys.mu. The rule above is ReactOS's
		// order, not a documented promise of Windows: the op is retired, never used again, so
		// that if a packet does come for it, it finds no later use to complete and no memory
		// freed. One op per such panic, for the engine's life.
		o.retired = true
		o.complete(gen, 0, &startPanic{})
	}
}

// cancelLocked calls CancelIoEx for o, pending and published, with o.sys.mu held. It reports
// whether the op must be completed now: its start function panicked, and no call is pending with
// its OVERLAPPED nor completed (see cancel).
func (d *iocpDriver) cancelLocked(o *op) bool {
	// ERROR_NOT_FOUND: the call is completing, or completed synchronously and awaits its
	// fence. ERROR_INVALID_HANDLE: the handle was closed, which cancelled its I/O. Either way
	// the packet still comes, unless the start function panicked (see cancel).
	err := faultCancelIoEx(o.sys.h, &o.sys.ov)
	return err == windows.ERROR_NOT_FOUND && o.sys.uncertain.Load() &&
		uint32(atomic.LoadUintptr(&o.sys.ov.Internal)) == iocp.StatusPending
}

func (d *iocpDriver) close() error {
	d.closing.Store(true)
	for d.starting.Load() != 0 {
		time.Sleep(100 * time.Microsecond) // a start1 that saw the engine open is making its call
	}
	// Cancel whatever is in flight, then wait until nothing is; repeat the cancels every second
	// for ops that outlive them.
	cancelAll := func(first bool) {
		d.e.ops.each(func(o *op) {
			s := o.state.Load()
			if s&stMask != stPending || s&flagPublished == 0 {
				return
			}
			if gen := genOf(s); o.requestCancel(gen, causeClosed) || !first {
				d.cancel(o, gen)
			}
		})
	}
	cancelAll(true)
	again := time.Now().Add(time.Second)
	for d.e.ops.inFlight() > 0 {
		time.Sleep(time.Millisecond)
		if time.Now().After(again) {
			cancelAll(false)
			again = time.Now().Add(time.Second)
		}
	}
	for windows.PostQueuedCompletionStatus(d.port, 0, keyWake, d.wake) != nil {
		time.Sleep(time.Millisecond)
	}
	<-d.done
	drivers.Delete(d.id)
	if err := windows.CloseHandle(d.port); err != nil {
		return &OpError{Op: "CloseHandle", Err: err}
	}
	return nil
}
