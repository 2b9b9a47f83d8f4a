//go:build linux

package uring

import (
	"fmt"
	"os"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Config says how to set up a ring.
type Config struct {
	Entries   uint32 // submission queue entries; the kernel rounds up to a power of two
	CQEntries uint32 // completion queue entries; 0 lets the kernel choose (twice Entries)
	Flags     uint32 // IORING_SETUP_* flags; SetupCQSize is added when CQEntries is set

	SQThreadIdle uint32 // with SetupSQPoll: the milliseconds the kernel's thread polls before it sleeps
}

// Ring is one io_uring instance: its file descriptor and the memory it shares with the kernel.
//
// Ring is not safe for concurrent use by itself: the engine serialises the producer side of the
// submission queue and the consumer side of the completion queue. The accessors that read or
// write an index the kernel shares use atomic loads and stores, which are the acquire and release
// barriers the io_uring ABI asks for (on amd64 and arm64 alike).
type Ring struct {
	fd     int
	params Params

	ringMem []byte // SQ ring, and CQ ring too with IORING_FEAT_SINGLE_MMAP
	cqMem   []byte // CQ ring when it is a mapping of its own
	sqeMem  []byte

	sqHead, sqTail, sqFlags, sqDropped *uint32
	sqMask, sqEntries                  uint32
	sqes                               []SQE

	cqHead, cqTail, cqOverflow, cqFlags *uint32
	cqMask, cqEntries                   uint32
	cqes                                []CQE
}

// New sets up a ring with io_uring_setup and maps its queues.
//
// An error from io_uring_setup is an *os.SyscallError wrapping the errno, so that callers can tell
// io_uring missing (ENOSYS), forbidden (EPERM, EACCES) and short of resources (ENOMEM, EMFILE)
// apart with errors.Is.
func New(cfg Config) (*Ring, error) {
	p := Params{Flags: cfg.Flags, SQThreadIdle: cfg.SQThreadIdle}
	if cfg.CQEntries != 0 {
		p.Flags |= SetupCQSize
		p.CQEntries = cfg.CQEntries
	}
	fd, err := Setup(cfg.Entries, &p)
	if err != nil {
		return nil, err
	}
	r := &Ring{fd: fd, params: p}
	if err := r.mmap(); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// Setup calls io_uring_setup(2). The kernel fills p in.
func Setup(entries uint32, p *Params) (int, error) {
	// p is read and written by the kernel during the call only.
	fd, _, errno := unix.Syscall(unix.SYS_IO_URING_SETUP, uintptr(entries), uintptr(unsafe.Pointer(p)), 0)
	if errno != 0 {
		return -1, os.NewSyscallError("io_uring_setup", errno)
	}
	unix.CloseOnExec(int(fd))
	return int(fd), nil
}

func (r *Ring) mmap() error {
	p := &r.params
	sqSize := uintptr(p.SQOff.Array) + uintptr(p.SQEntries)*4
	cqSize := uintptr(p.CQOff.CQEs) + uintptr(p.CQEntries)*unsafe.Sizeof(CQE{})
	single := p.Features&FeatSingleMmap != 0
	if single {
		sqSize = max(sqSize, cqSize)
	}
	const prot, flags = unix.PROT_READ | unix.PROT_WRITE, unix.MAP_SHARED | unix.MAP_POPULATE
	var err error
	if r.ringMem, err = unix.Mmap(r.fd, offSQRing, int(sqSize), prot, flags); err != nil {
		return os.NewSyscallError("mmap io_uring SQ ring", err)
	}
	cqMem := r.ringMem
	if !single {
		if r.cqMem, err = unix.Mmap(r.fd, offCQRing, int(cqSize), prot, flags); err != nil {
			return os.NewSyscallError("mmap io_uring CQ ring", err)
		}
		cqMem = r.cqMem
	}
	sqeSize := uintptr(p.SQEntries) * unsafe.Sizeof(SQE{})
	if r.sqeMem, err = unix.Mmap(r.fd, offSQEs, int(sqeSize), prot, flags); err != nil {
		return os.NewSyscallError("mmap io_uring SQEs", err)
	}

	// The mappings live until Close, and nothing reads these pointers after Close: the engine
	// stops every submitter and reaper first. The offsets come from the kernel and lie inside
	// the sizes it asked us to map, so the pointer arithmetic stays in bounds.
	at := func(mem []byte, off uint32) *uint32 { return (*uint32)(unsafe.Pointer(&mem[off])) }
	r.sqHead = at(r.ringMem, p.SQOff.Head)
	r.sqTail = at(r.ringMem, p.SQOff.Tail)
	r.sqFlags = at(r.ringMem, p.SQOff.Flags)
	r.sqDropped = at(r.ringMem, p.SQOff.Dropped)
	r.sqMask = *at(r.ringMem, p.SQOff.RingMask)
	r.sqEntries = *at(r.ringMem, p.SQOff.RingEntries)
	r.sqes = unsafe.Slice((*SQE)(unsafe.Pointer(&r.sqeMem[0])), r.sqEntries)

	r.cqHead = at(cqMem, p.CQOff.Head)
	r.cqTail = at(cqMem, p.CQOff.Tail)
	r.cqOverflow = at(cqMem, p.CQOff.Overflow)
	if p.CQOff.Flags != 0 {
		r.cqFlags = at(cqMem, p.CQOff.Flags)
	}
	r.cqMask = *at(cqMem, p.CQOff.RingMask)
	r.cqEntries = *at(cqMem, p.CQOff.RingEntries)
	r.cqes = unsafe.Slice((*CQE)(unsafe.Pointer(&cqMem[p.CQOff.CQEs])), r.cqEntries)

	// The SQ array maps ring positions to SQE indexes. Fixing it to the identity once means a
	// submitter only ever writes the SQE and the tail.
	if p.Flags&SetupNoSQArray == 0 {
		array := unsafe.Slice((*uint32)(unsafe.Pointer(&r.ringMem[p.SQOff.Array])), r.sqEntries)
		for i := range array {
			array[i] = uint32(i)
		}
	}
	return nil
}

// Close unmaps the queues and closes the ring's file descriptor. The caller must make sure that
// nothing uses the ring any more, and that whatever used it happened before Close; the kernel
// cancels whatever is still in flight.
//
// The pointers into the mappings are cleared before they are unmapped: a use after Close then
// faults on nil at once rather than reading whatever is mapped there next (another ring, say),
// and under the race detector a use not ordered before Close is reported even when it ran first.
func (r *Ring) Close() error {
	r.sqHead, r.sqTail, r.sqFlags, r.sqDropped = nil, nil, nil, nil
	r.cqHead, r.cqTail, r.cqOverflow, r.cqFlags = nil, nil, nil, nil
	r.sqes, r.cqes = nil, nil
	for _, m := range []*[]byte{&r.sqeMem, &r.cqMem, &r.ringMem} {
		if *m != nil {
			unix.Munmap(*m)
			*m = nil
		}
	}
	if r.fd < 0 {
		return nil
	}
	err := unix.Close(r.fd)
	r.fd = -1
	return err
}

// Fd returns the ring's file descriptor.
func (r *Ring) Fd() int { return r.fd }

// Params returns what io_uring_setup filled in.
func (r *Ring) Params() Params { return r.params }

// Features returns the IORING_FEAT_* bits the kernel reported.
func (r *Ring) Features() uint32 { return r.params.Features }

// SQEntries returns the size of the submission queue.
func (r *Ring) SQEntries() uint32 { return r.sqEntries }

// CQEntries returns the size of the completion queue.
func (r *Ring) CQEntries() uint32 { return r.cqEntries }

// SQE returns the submission queue entry at ring position pos (taken modulo the ring size).
func (r *Ring) SQE(pos uint32) *SQE { return &r.sqes[pos&r.sqMask] }

// SQHead returns how far the kernel has consumed the submission queue.
func (r *Ring) SQHead() uint32 { return atomic.LoadUint32(r.sqHead) }

// SQTail returns the submission queue tail as last published.
func (r *Ring) SQTail() uint32 { return atomic.LoadUint32(r.sqTail) }

// SetSQTail publishes the submission queue entries before position tail to the kernel. The store
// has release semantics: the entries' contents are visible to the kernel before the new tail.
func (r *Ring) SetSQTail(tail uint32) { atomic.StoreUint32(r.sqTail, tail) }

// SQFlags returns the IORING_SQ_* flags the kernel sets.
func (r *Ring) SQFlags() uint32 { return atomic.LoadUint32(r.sqFlags) }

// SQDropped returns how many invalid SQEs the kernel dropped.
func (r *Ring) SQDropped() uint32 { return atomic.LoadUint32(r.sqDropped) }

// CQHead returns the completion queue head as last published by the consumer.
func (r *Ring) CQHead() uint32 { return atomic.LoadUint32(r.cqHead) }

// CQTail returns how far the kernel has filled the completion queue. The load has acquire
// semantics: the entries before the tail are visible once the tail is.
func (r *Ring) CQTail() uint32 { return atomic.LoadUint32(r.cqTail) }

// CQE returns a copy of the completion queue entry at ring position pos.
func (r *Ring) CQE(pos uint32) CQE { return r.cqes[pos&r.cqMask] }

// SetCQHead hands the completion queue entries before position head back to the kernel.
func (r *Ring) SetCQHead(head uint32) { atomic.StoreUint32(r.cqHead, head) }

// CQOverflow returns the kernel's count of completions it could not post (without NODROP).
func (r *Ring) CQOverflow() uint32 { return atomic.LoadUint32(r.cqOverflow) }

// CQFlags returns the IORING_CQ_* flags, or 0 on kernels without them.
func (r *Ring) CQFlags() uint32 {
	if r.cqFlags == nil {
		return 0
	}
	return atomic.LoadUint32(r.cqFlags)
}

// Enter calls io_uring_enter(2): submit toSubmit entries and, with EnterGetevents, wait until
// minComplete completions are available. It returns the number of entries submitted.
//
// It goes through the runtime's syscall path, so a wait releases the goroutine's P.
func (r *Ring) Enter(toSubmit, minComplete, flags uint32) (int, error) {
	if faultsEnabled {
		if handled, n, err := r.enterFault(&toSubmit, &minComplete, &flags, 0); handled {
			return n, err
		}
	}
	n, _, errno := unix.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), uintptr(toSubmit),
		uintptr(minComplete), uintptr(flags), 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// Submit calls io_uring_enter(2) to submit toSubmit entries without waiting for completions,
// and without the runtime's system-call bookkeeping (a raw system call): the goroutine keeps
// its P meanwhile, so the runtime neither hands the P to another thread nor starts one if the
// call takes long. The caller must know that the kernel does not block in it: io_uring issues
// reads and writes without blocking and hands what would block to its own workers, but some
// ops (a close that flushes, say) run inline and may wait.
func (r *Ring) Submit(toSubmit uint32) (int, error) {
	flags := uint32(0)
	if faultsEnabled {
		minComplete := uint32(0)
		if handled, n, err := r.enterFault(&toSubmit, &minComplete, &flags, 0); handled {
			return n, err
		}
		if minComplete != 0 || flags != 0 {
			return r.Enter(toSubmit, minComplete, flags)
		}
	}
	n, _, errno := unix.RawSyscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), uintptr(toSubmit), 0, 0, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// EnterTimeout is Enter with EnterGetevents and a timeout in nanoseconds (IORING_ENTER_EXT_ARG,
// Linux 5.11). It answers ETIME when the timeout passes first.
func (r *Ring) EnterTimeout(toSubmit, minComplete uint32, timeout int64) (int, error) {
	flags := uint32(EnterGetevents | EnterExtArg)
	if faultsEnabled {
		if handled, n, err := r.enterFault(&toSubmit, &minComplete, &flags, timeout); handled {
			return n, err
		}
	}
	// Both live on the heap (they escape through the conversion below), and the kernel copies
	// them during the call, so they need to outlive only the call.
	ts := new(unix.Timespec)
	*ts = unix.NsecToTimespec(timeout)
	arg := &GeteventsArg{Ts: uint64(uintptr(unsafe.Pointer(ts)))}
	n, _, errno := unix.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), uintptr(toSubmit),
		uintptr(minComplete), uintptr(flags), uintptr(unsafe.Pointer(arg)), unsafe.Sizeof(*arg))
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// Register calls io_uring_register(2) with an argument the kernel only reads or writes during
// the call.
func (r *Ring) register(opcode uint32, arg unsafe.Pointer, nr uint32) (int, error) {
	n, _, errno := unix.Syscall6(unix.SYS_IO_URING_REGISTER, uintptr(r.fd), uintptr(opcode),
		uintptr(arg), uintptr(nr), 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// Probe says which opcodes the kernel supports.
type Probe struct {
	LastOp    uint8 // the highest opcode the kernel knows
	supported [256]bool
}

// Supported reports whether the kernel supports opcode op.
func (p *Probe) Supported(op uint8) bool { return p.supported[op] }

// Missing returns the names of the opcodes in ops that the kernel does not support.
func (p *Probe) Missing(ops ...uint8) []string {
	var names []string
	for _, op := range ops {
		if !p.supported[op] {
			names = append(names, OpName(op))
		}
	}
	return names
}

// Probe asks the kernel which opcodes it supports (IORING_REGISTER_PROBE, Linux 5.6).
func (r *Ring) Probe() (*Probe, error) {
	var buf struct {
		hdr probeHeader
		ops [256]ProbeOp
	}
	if _, err := r.register(RegisterProbe, unsafe.Pointer(&buf), uint32(len(buf.ops))); err != nil {
		return nil, os.NewSyscallError("io_uring_register(IORING_REGISTER_PROBE)", err)
	}
	p := &Probe{LastOp: buf.hdr.LastOp}
	for _, op := range buf.ops[:buf.hdr.OpsLen] {
		if op.Flags&opSupported != 0 {
			p.supported[op.Op] = true
		}
	}
	return p, nil
}

// String describes the ring for diagnostics.
func (r *Ring) String() string {
	return fmt.Sprintf("io_uring fd %d: %d SQ / %d CQ entries, flags %#x, features %v",
		r.fd, r.sqEntries, r.cqEntries, r.params.Flags, FeatureNames(r.params.Features))
}
