package ovio

import (
	"github.com/ovio/ovio/internal/uring"
	"golang.org/x/sys/unix"
)

// SQE is an io_uring submission queue entry, as the kernel defines struct io_uring_sqe. A function
// given to Prep fills one in, with the Prep methods or field by field.
type SQE = uring.SQE

// reqSys is the part of a Request only Linux has.
type reqSys struct {
	name string // opNative: the op's name in errors, from the prepared opcode
	stat *unix.Statx_t
	prep func(*SQE)
	keep []any
}

func (s *reqSys) check(r *Request) error {
	switch r.code {
	case opOpenat:
		return checkPath(r.path)
	case opStatx:
		if s.stat == nil {
			return argError("nil statx buffer")
		}
		return checkPath(r.path)
	case opNative:
		if s.prep == nil {
			return argError("nil prep function")
		}
		return checkKeep(s.keep)
	}
	return nil
}

// Statx returns a request to read the status of path relative to dir into st, like statx(2).
// flags holds AT_* flags (unix.AT_EMPTY_PATH with an empty path for dir itself, AT_SYMLINK_NOFOLLOW)
// and mask the STATX_* fields wanted.
func Statx(dir Handle, path string, flags int, mask int, st *unix.Statx_t) Request {
	return Request{code: opStatx, h: dir, path: path, flags: uint32(flags), mode: uint32(mask),
		sys: reqSys{stat: st}}
}

// Fallocate returns a request to allocate (or, with FALLOC_FL_* flags in mode, punch or zero) the
// range [off, off+length) of h, like fallocate(2).
func Fallocate(h Handle, mode uint32, off, length int64) Request {
	return Request{code: opFallocate, h: h, mode: mode, off: off, length: length}
}

// Prep returns a request for any io_uring operation: prep fills in the SQE, zeroed beforehand,
// and the op's result is the CQE's res. This is the io_uring form of awaiting any native call.
//
// ovio owns user_data, which it overwrites, and the link flags: prep must not set IOSQE_IO_LINK,
// IOSQE_IO_HARDLINK or IOSQE_CQE_SKIP_SUCCESS. An operation that posts several CQEs completes with
// the last one (the first without IORING_CQE_F_MORE); a zero-copy send reports the result of its
// first CQE and keeps its buffer until the notification.
//
// The SQE may hold the addresses of Go memory (the SQE Prep methods put them there). Pass that
// memory in keep, as slices or pointers: the engine keeps it reachable and pinned until the
// completion, as it does for the typed requests. prep runs once, in the goroutine that starts the
// op, before the op reaches the ring; it must not block. The blocking engine has no SQE: there
// the op fails with an error matching ErrNotSupported, and prep is not called.
func Prep(prep func(sqe *SQE), keep ...any) Request {
	return Request{code: opNative, sys: reqSys{prep: prep, keep: keep}}
}
