package ovio

// opCode says what a Request does, whatever the engine that runs it.
type opCode uint8

const (
	opInvalid opCode = iota
	opNop
	opRead
	opWrite
	opReadv
	opWritev
	opFsync
	opFdatasync
	opOpenat
	opClose
	opStatx
	opFallocate
	opTimeout
	opNative // the caller prepares the native call itself: an SQE on Linux, an OVERLAPPED call on Windows
	opCount
)

var opNames = [opCount]string{
	opInvalid: "invalid", opNop: "nop", opRead: "read", opWrite: "write", opReadv: "readv",
	opWritev: "writev", opFsync: "fsync", opFdatasync: "fdatasync", opOpenat: "openat",
	opClose: "close", opStatx: "statx", opFallocate: "fallocate", opTimeout: "timeout",
	opNative: "native",
}

// Request describes one op: what it does and the memory it lends the kernel. Build one with Nop,
// ReadAt, WriteAt and the other constructors, and run it with Engine.Do, Engine.Start or a batch.
// A Request is a small value; building one allocates nothing and starts nothing.
//
// The memory a Request names (buffers, paths, result structs) belongs to the kernel from the
// moment the op starts until it completes, even when the caller stops waiting: the engine keeps it
// reachable and pinned until then. The caller must not touch it in between.
type Request struct {
	code   opCode
	h      Handle
	buf    []byte
	bufs   [][]byte
	off    int64
	length int64
	path   string
	flags  uint32 // the system call's flags: open, statx
	mode   uint32
	rw     uint8  // rwCurPos, rwNowait
	sys    reqSys // what only some platforms have
}

// name is the op's name in errors: the system call or API it stands for.
func (r *Request) name() string {
	if r.code == opNative && r.sys.name != "" {
		return r.sys.name
	}
	return opNames[r.code]
}

// check refuses a request that must not reach the kernel.
func (r *Request) check() error {
	switch r.code {
	case opInvalid:
		return errNilRequest
	case opRead, opWrite, opReadv, opWritev, opFallocate:
		if r.off < 0 && !(r.off == curPos && r.rw&rwCurPos != 0) {
			return errNegativeOffset
		}
		if r.code == opFallocate && r.length < 0 {
			return argError("negative length")
		}
	}
	return r.sys.check(r)
}

// Nop returns a request that does nothing: a round trip through the engine.
func Nop() Request { return Request{code: opNop} }

// Request.rw says how a read or write goes.
const (
	rwCurPos = 1 // at the file's current position; the offset is curPos
	rwNowait = 2 // the descriptor is not O_DIRECT: try the page cache before the kernel's queue
	curPos   = -1
)

// Read returns a request to read up to len(p) bytes from h at its current position, like
// read(2): the way to read a pipe, a socket or a character device, which have no offsets.
func Read(h Handle, p []byte) Request {
	return Request{code: opRead, h: h, buf: p, off: curPos, rw: rwCurPos}
}

// Write returns a request to write p to h at its current position (or its end, if h was opened
// to append), like write(2).
func Write(h Handle, p []byte) Request {
	return Request{code: opWrite, h: h, buf: p, off: curPos, rw: rwCurPos}
}

// ReadAt returns a request to read up to len(p) bytes from h at offset off, like pread(2).
// A short count is not an error; 0 bytes from a non-empty p means end of file.
func ReadAt(h Handle, p []byte, off int64) Request {
	return Request{code: opRead, h: h, buf: p, off: off}
}

// WriteAt returns a request to write p to h at offset off, like pwrite(2). The count may be short.
func WriteAt(h Handle, p []byte, off int64) Request {
	return Request{code: opWrite, h: h, buf: p, off: off}
}
