//go:build linux

package uring

import "strconv"

// Opcodes: enum io_uring_op. The values are the kernel ABI and never change.
const (
	OpNop            = 0
	OpReadv          = 1
	OpWritev         = 2
	OpFsync          = 3
	OpReadFixed      = 4
	OpWriteFixed     = 5
	OpPollAdd        = 6
	OpPollRemove     = 7
	OpSyncFileRange  = 8
	OpSendmsg        = 9
	OpRecvmsg        = 10
	OpTimeout        = 11
	OpTimeoutRemove  = 12
	OpAccept         = 13
	OpAsyncCancel    = 14
	OpLinkTimeout    = 15
	OpConnect        = 16
	OpFallocate      = 17
	OpOpenat         = 18
	OpClose          = 19
	OpFilesUpdate    = 20
	OpStatx          = 21
	OpRead           = 22
	OpWrite          = 23
	OpFadvise        = 24
	OpMadvise        = 25
	OpSend           = 26
	OpRecv           = 27
	OpOpenat2        = 28
	OpEpollCtl       = 29
	OpSplice         = 30
	OpProvideBuffers = 31
	OpRemoveBuffers  = 32
	OpTee            = 33
	OpShutdown       = 34
	OpRenameat       = 35
	OpUnlinkat       = 36
	OpMkdirat        = 37
	OpSymlinkat      = 38
	OpLinkat         = 39
	OpMsgRing        = 40
	OpFsetxattr      = 41
	OpSetxattr       = 42
	OpFgetxattr      = 43
	OpGetxattr       = 44
	OpSocket         = 45
	OpUringCmd       = 46
	OpSendZC         = 47
	OpSendmsgZC      = 48
	OpReadMultishot  = 49
	OpWaitid         = 50
	OpFutexWait      = 51
	OpFutexWake      = 52
	OpFutexWaitv     = 53
	OpFixedFdInstall = 54
	OpFtruncate      = 55
)

var opNames = [...]string{
	"NOP", "READV", "WRITEV", "FSYNC", "READ_FIXED", "WRITE_FIXED", "POLL_ADD", "POLL_REMOVE",
	"SYNC_FILE_RANGE", "SENDMSG", "RECVMSG", "TIMEOUT", "TIMEOUT_REMOVE", "ACCEPT", "ASYNC_CANCEL",
	"LINK_TIMEOUT", "CONNECT", "FALLOCATE", "OPENAT", "CLOSE", "FILES_UPDATE", "STATX", "READ", "WRITE",
	"FADVISE", "MADVISE", "SEND", "RECV", "OPENAT2", "EPOLL_CTL", "SPLICE", "PROVIDE_BUFFERS",
	"REMOVE_BUFFERS", "TEE", "SHUTDOWN", "RENAMEAT", "UNLINKAT", "MKDIRAT", "SYMLINKAT", "LINKAT",
	"MSG_RING", "FSETXATTR", "SETXATTR", "FGETXATTR", "GETXATTR", "SOCKET", "URING_CMD", "SEND_ZC",
	"SENDMSG_ZC", "READ_MULTISHOT", "WAITID", "FUTEX_WAIT", "FUTEX_WAKE", "FUTEX_WAITV",
	"FIXED_FD_INSTALL", "FTRUNCATE",
}

// OpName returns the kernel's name of an opcode without its IORING_OP_ prefix ("READ"), or
// "OP(n)" for one this package does not name.
func OpName(op uint8) string {
	if int(op) < len(opNames) {
		return opNames[op]
	}
	return "OP(" + strconv.Itoa(int(op)) + ")"
}

// sqe->flags: IOSQE_*.
const (
	SQEFixedFile      = 1 << 0 // IOSQE_FIXED_FILE: fd is an index into the registered files
	SQEIODrain        = 1 << 1 // IOSQE_IO_DRAIN: issue after inflight IO
	SQEIOLink         = 1 << 2 // IOSQE_IO_LINK: links the next SQE
	SQEIOHardlink     = 1 << 3 // IOSQE_IO_HARDLINK: like LINK, but the chain survives errors
	SQEAsync          = 1 << 4 // IOSQE_ASYNC: always go async
	SQEBufferSelect   = 1 << 5 // IOSQE_BUFFER_SELECT: select a buffer from sqe->buf_group
	SQECQESkipSuccess = 1 << 6 // IOSQE_CQE_SKIP_SUCCESS: post no CQE if the request succeeded
)

// io_uring_setup flags: IORING_SETUP_*.
const (
	SetupIOPoll       = 1 << 0
	SetupSQPoll       = 1 << 1
	SetupSQAff        = 1 << 2
	SetupCQSize       = 1 << 3
	SetupClamp        = 1 << 4
	SetupAttachWQ     = 1 << 5
	SetupRDisabled    = 1 << 6
	SetupSubmitAll    = 1 << 7
	SetupCoopTaskrun  = 1 << 8
	SetupTaskrunFlag  = 1 << 9
	SetupSQE128       = 1 << 10
	SetupCQE32        = 1 << 11
	SetupSingleIssuer = 1 << 12
	SetupDeferTaskrun = 1 << 13
	SetupNoMmap       = 1 << 14
	SetupRegisteredFd = 1 << 15
	SetupNoSQArray    = 1 << 16
)

// io_uring_params->features: IORING_FEAT_*.
const (
	FeatSingleMmap     = 1 << 0
	FeatNodrop         = 1 << 1
	FeatSubmitStable   = 1 << 2
	FeatRWCurPos       = 1 << 3
	FeatCurPersonality = 1 << 4
	FeatFastPoll       = 1 << 5
	FeatPoll32Bits     = 1 << 6
	FeatSQPollNonfixed = 1 << 7
	FeatExtArg         = 1 << 8
	FeatNativeWorkers  = 1 << 9
	FeatRsrcTags       = 1 << 10
	FeatCQESkip        = 1 << 11
	FeatLinkedFile     = 1 << 12
	FeatRegRegRing     = 1 << 13
)

var featNames = [...]string{
	"SINGLE_MMAP", "NODROP", "SUBMIT_STABLE", "RW_CUR_POS", "CUR_PERSONALITY", "FAST_POLL",
	"POLL_32BITS", "SQPOLL_NONFIXED", "EXT_ARG", "NATIVE_WORKERS", "RSRC_TAGS", "CQE_SKIP",
	"LINKED_FILE", "REG_REG_RING", "RECVSEND_BUNDLE", "MIN_TIMEOUT", "RW_ATTR", "NO_IOWAIT",
}

// FeatureNames returns the names of the IORING_FEAT_* bits set in f, without the prefix.
func FeatureNames(f uint32) []string {
	var names []string
	for i := 0; i < 32; i++ {
		if f&(1<<i) == 0 {
			continue
		}
		if i < len(featNames) {
			names = append(names, featNames[i])
		} else {
			names = append(names, "FEAT(1<<"+strconv.Itoa(i)+")")
		}
	}
	return names
}

// io_uring_enter flags: IORING_ENTER_*.
const (
	EnterGetevents      = 1 << 0
	EnterSQWakeup       = 1 << 1
	EnterSQWait         = 1 << 2
	EnterExtArg         = 1 << 3
	EnterRegisteredRing = 1 << 4
)

// sq_ring->flags: IORING_SQ_*.
const (
	SQNeedWakeup = 1 << 0 // the SQPOLL thread sleeps and needs IORING_ENTER_SQ_WAKEUP
	SQCQOverflow = 1 << 1 // CQEs wait in the kernel's overflow list; GETEVENTS flushes them
	SQTaskrun    = 1 << 2 // task work is pending (IORING_SETUP_TASKRUN_FLAG)
)

// cq_ring->flags: IORING_CQ_*.
const CQEventfdDisabled = 1 << 0

// cqe->flags: IORING_CQE_F_*.
const (
	CQEFBuffer       = 1 << 0
	CQEFMore         = 1 << 1
	CQEFSockNonempty = 1 << 2
	CQEFNotif        = 1 << 3
)

// sqe->fsync_flags.
const FsyncDatasync = 1 << 0

// sqe->timeout_flags.
const (
	TimeoutAbs          = 1 << 0
	TimeoutUpdate       = 1 << 1
	TimeoutBoottime     = 1 << 2
	TimeoutRealtime     = 1 << 3
	LinkTimeoutUpdate   = 1 << 4
	TimeoutETimeSuccess = 1 << 5
)

// sqe->cancel_flags for IORING_OP_ASYNC_CANCEL.
const (
	AsyncCancelAll      = 1 << 0
	AsyncCancelFd       = 1 << 1
	AsyncCancelAny      = 1 << 2
	AsyncCancelFdFixed  = 1 << 3
	AsyncCancelUserdata = 1 << 4
	AsyncCancelOp       = 1 << 5
)

// io_uring_register opcodes: IORING_REGISTER_*.
const (
	RegisterBuffers      = 0
	UnregisterBuffers    = 1
	RegisterFiles        = 2
	UnregisterFiles      = 3
	RegisterEventfd      = 4
	UnregisterEventfd    = 5
	RegisterFilesUpdate  = 6
	RegisterEventfdAsync = 7
	RegisterProbe        = 8
	RegisterRingFds      = 20
	UnregisterRingFds    = 21
)

// IO_URING_OP_SUPPORTED, in io_uring_probe_op.flags.
const opSupported = 1 << 0

// mmap offsets: IORING_OFF_*.
const (
	offSQRing = 0
	offCQRing = 0x8000000
	offSQEs   = 0x10000000
)
