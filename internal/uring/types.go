//go:build linux

package uring

// SQE mirrors struct io_uring_sqe, the 64-byte submission queue entry:
//
//	struct io_uring_sqe {
//		__u8	opcode;		/* type of operation for this sqe */
//		__u8	flags;		/* IOSQE_ flags */
//		__u16	ioprio;		/* ioprio for the request */
//		__s32	fd;		/* file descriptor to do IO on */
//		union { __u64 off; __u64 addr2; struct { __u32 cmd_op; __u32 __pad1; }; };
//		union { __u64 addr; __u64 splice_off_in; };
//		__u32	len;		/* buffer size or number of iovecs */
//		union { __kernel_rwf_t rw_flags; __u32 fsync_flags; __u32 timeout_flags;
//		        __u32 cancel_flags; __u32 open_flags; __u32 statx_flags; ... };
//		__u64	user_data;	/* data to be passed back at completion time */
//		union { __u16 buf_index; __u16 buf_group; } __attribute__((packed));
//		__u16	personality;
//		union { __s32 splice_fd_in; __u32 file_index; struct { __u16 addr_len; __u16 __pad3[1]; }; };
//		union { struct { __u64 addr3; __u64 __pad2[1]; }; __u8 cmd[0]; };
//	};
//
// The unions are flattened to their first member; OpFlags stands for the union of per-opcode flags.
type SQE struct {
	Opcode      uint8
	Flags       uint8
	Ioprio      uint16
	Fd          int32
	Off         uint64 // off, addr2
	Addr        uint64 // addr, splice_off_in
	Len         uint32
	OpFlags     uint32 // rw_flags, fsync_flags, timeout_flags, cancel_flags, open_flags, statx_flags, ...
	UserData    uint64
	BufIndex    uint16 // buf_index, buf_group
	Personality uint16
	FileIndex   uint32 // splice_fd_in, file_index
	Addr3       uint64
	_           uint64
}

// CQE mirrors struct io_uring_cqe, the 16-byte completion queue entry:
//
//	struct io_uring_cqe {
//		__u64	user_data;	/* sqe->data submission passed back */
//		__s32	res;		/* result code for this event */
//		__u32	flags;
//	};
type CQE struct {
	UserData uint64
	Res      int32
	Flags    uint32
}

// SQRingOffsets mirrors struct io_sqring_offsets:
//
//	struct io_sqring_offsets {
//		__u32 head; __u32 tail; __u32 ring_mask; __u32 ring_entries;
//		__u32 flags; __u32 dropped; __u32 array; __u32 resv1; __u64 user_addr;
//	};
type SQRingOffsets struct {
	Head        uint32
	Tail        uint32
	RingMask    uint32
	RingEntries uint32
	Flags       uint32
	Dropped     uint32
	Array       uint32
	Resv1       uint32
	UserAddr    uint64
}

// CQRingOffsets mirrors struct io_cqring_offsets:
//
//	struct io_cqring_offsets {
//		__u32 head; __u32 tail; __u32 ring_mask; __u32 ring_entries;
//		__u32 overflow; __u32 cqes; __u32 flags; __u32 resv1; __u64 user_addr;
//	};
type CQRingOffsets struct {
	Head        uint32
	Tail        uint32
	RingMask    uint32
	RingEntries uint32
	Overflow    uint32
	CQEs        uint32
	Flags       uint32
	Resv1       uint32
	UserAddr    uint64
}

// Params mirrors struct io_uring_params, passed to io_uring_setup and filled in by it:
//
//	struct io_uring_params {
//		__u32 sq_entries; __u32 cq_entries; __u32 flags; __u32 sq_thread_cpu;
//		__u32 sq_thread_idle; __u32 features; __u32 wq_fd; __u32 resv[3];
//		struct io_sqring_offsets sq_off;
//		struct io_cqring_offsets cq_off;
//	};
type Params struct {
	SQEntries    uint32
	CQEntries    uint32
	Flags        uint32
	SQThreadCPU  uint32
	SQThreadIdle uint32
	Features     uint32
	WQFd         uint32
	Resv         [3]uint32
	SQOff        SQRingOffsets
	CQOff        CQRingOffsets
}

// ProbeOp mirrors struct io_uring_probe_op:
//
//	struct io_uring_probe_op { __u8 op; __u8 resv; __u16 flags; /* IO_URING_OP_* */ __u32 resv2; };
type ProbeOp struct {
	Op    uint8
	Resv  uint8
	Flags uint16
	Resv2 uint32
}

// probeHeader mirrors the fixed part of struct io_uring_probe:
//
//	struct io_uring_probe {
//		__u8 last_op; /* last opcode supported */ __u8 ops_len; /* length of ops[] */
//		__u16 resv; __u32 resv2[3]; struct io_uring_probe_op ops[];
//	};
type probeHeader struct {
	LastOp uint8
	OpsLen uint8
	Resv   uint16
	Resv2  [3]uint32
}

// GeteventsArg mirrors struct io_uring_getevents_arg, the argument of IORING_ENTER_EXT_ARG:
//
//	struct io_uring_getevents_arg { __u64 sigmask; __u32 sigmask_sz; __u32 pad; __u64 ts; };
type GeteventsArg struct {
	Sigmask   uint64
	SigmaskSz uint32
	Pad       uint32 // min_wait_usec since Linux 6.12
	Ts        uint64
}
