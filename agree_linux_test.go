package ovio_test

// The blocking engine must be indistinguishable from io_uring to its users: the same results and
// the same errors, down to OpError.Op, Path and the errno. TestEnginesAgree runs the same requests
// on both, each against fixtures of its own, and compares everything that can be seen.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ovio/ovio"
	"golang.org/x/sys/unix"
)

// agreeFixture is what a case works on: a directory, a file in it and descriptors.
type agreeFixture struct {
	t      *testing.T
	dir    string
	dirfd  int
	file   int // "file", read-write, 64 bytes of known content
	ro     int // "file" again, read-only
	pipeR  int // a pipe holding "pipe data"
	pipeW  int
	closed int // a descriptor number that is never open
}

const agreeContent = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-"

func newAgreeFixture(t *testing.T) *agreeFixture {
	t.Helper()
	fx := &agreeFixture{t: t, dir: t.TempDir()}
	var err error
	path := filepath.Join(fx.dir, "file")
	if err := os.WriteFile(path, []byte(agreeContent), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(fx.dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	open := func(p string, flags int) int {
		fd, err := unix.Open(p, flags|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { unix.Close(fd) })
		return fd
	}
	fx.dirfd = open(fx.dir, unix.O_RDONLY|unix.O_DIRECTORY)
	fx.file = open(path, unix.O_RDWR)
	fx.ro = open(path, unix.O_RDONLY)
	var p [2]int
	if err = unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(p[0]); unix.Close(p[1]) })
	fx.pipeR, fx.pipeW = p[0], p[1]
	unix.Write(fx.pipeW, []byte("pipe data"))
	// Not a descriptor just closed: goroutines of other engines open and close descriptors at
	// any time, and one could take its number between the two runs of a case.
	fx.closed = 1<<31 - 1
	return fx
}

// content returns the file's content now.
func (fx *agreeFixture) content() string {
	b, _ := os.ReadFile(filepath.Join(fx.dir, "file"))
	return string(b)
}

// agreeCase runs requests and returns what can be seen of them: the result, the error, and the
// effects, in words.
type agreeCase struct {
	name string
	run  func(e *ovio.Engine, fx *agreeFixture) (n int, effect string, err error)
}

// do runs one request and describes the file afterwards.
func do(r func(fx *agreeFixture) ovio.Request) func(*ovio.Engine, *agreeFixture) (int, string, error) {
	return func(e *ovio.Engine, fx *agreeFixture) (int, string, error) {
		n, err := e.Do(context.Background(), r(fx))
		pos, _ := unix.Seek(fx.file, 0, 1)
		return n, fmt.Sprintf("file %q at %d", fx.content(), pos), err
	}
}

// read runs one read into buffers of the given sizes and describes them.
func read(sizes []int, r func(fx *agreeFixture, bufs [][]byte) ovio.Request) func(*ovio.Engine, *agreeFixture) (int, string, error) {
	return func(e *ovio.Engine, fx *agreeFixture) (int, string, error) {
		bufs := make([][]byte, len(sizes))
		for i, s := range sizes {
			bufs[i] = make([]byte, s)
		}
		n, err := e.Do(context.Background(), r(fx, bufs))
		pos, _ := unix.Seek(fx.file, 0, 1)
		return n, fmt.Sprintf("buffers %q, file at %d", bufs, pos), err
	}
}

// opened runs an Openat and describes the descriptor it returns, then closes it.
func opened(path func(fx *agreeFixture) (int, string), flags int, mode uint32) func(*ovio.Engine, *agreeFixture) (int, string, error) {
	return func(e *ovio.Engine, fx *agreeFixture) (int, string, error) {
		dir, p := path(fx)
		fd, err := e.Do(context.Background(), ovio.Openat(dir, p, flags, mode))
		if err != nil {
			return fd, "", err
		}
		defer unix.Close(fd)
		fdFlags, _ := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		flFlags, _ := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
		var st unix.Stat_t
		unix.Fstat(fd, &st)
		return 0, fmt.Sprintf("fd flags %#x, file flags %#x, mode %o, size %d", fdFlags, flFlags, st.Mode, st.Size), nil
	}
}

func statx(path func(fx *agreeFixture) (int, string), flags, mask int) func(*ovio.Engine, *agreeFixture) (int, string, error) {
	return func(e *ovio.Engine, fx *agreeFixture) (int, string, error) {
		dir, p := path(fx)
		var st unix.Statx_t
		n, err := e.Do(context.Background(), ovio.Statx(dir, p, flags, mask, &st))
		return n, fmt.Sprintf("mask %#x mode %o size %d nlink %d ino %v", st.Mask, st.Mode, st.Size, st.Nlink, st.Ino != 0), err
	}
}

func bufs(s ...string) [][]byte {
	var b [][]byte
	for _, x := range s {
		b = append(b, []byte(x))
	}
	return b
}

var agreeCases = []agreeCase{
	{"Nop", do(func(fx *agreeFixture) ovio.Request { return ovio.Nop() })},
	{"ReadAt", read([]int{10}, func(fx *agreeFixture, b [][]byte) ovio.Request { return ovio.ReadAt(fx.file, b[0], 5) })},
	{"ReadAtTail", read([]int{10}, func(fx *agreeFixture, b [][]byte) ovio.Request { return ovio.ReadAt(fx.file, b[0], 60) })},
	{"ReadAtEOF", read([]int{10}, func(fx *agreeFixture, b [][]byte) ovio.Request { return ovio.ReadAt(fx.file, b[0], 64) })},
	{"ReadAtFar", read([]int{10}, func(fx *agreeFixture, b [][]byte) ovio.Request { return ovio.ReadAt(fx.file, b[0], 1<<62) })},
	{"ReadAtEmpty", read([]int{0}, func(fx *agreeFixture, b [][]byte) ovio.Request { return ovio.ReadAt(fx.file, b[0], 0) })},
	{"ReadAtNegative", read([]int{4}, func(fx *agreeFixture, b [][]byte) ovio.Request { return ovio.ReadAt(fx.file, b[0], -1) })},
	{"ReadAtDir", read([]int{4}, func(fx *agreeFixture, b [][]byte) ovio.Request { return ovio.ReadAt(fx.dirfd, b[0], 0) })},
	{"ReadAtClosed", read([]int{4}, func(fx *agreeFixture, b [][]byte) ovio.Request { return ovio.ReadAt(fx.closed, b[0], 0) })},
	{"ReadAtPipe", read([]int{4}, func(fx *agreeFixture, b [][]byte) ovio.Request { return ovio.ReadAt(fx.pipeR, b[0], 3) })},
	{"ReadAtWriteEnd", read([]int{4}, func(fx *agreeFixture, b [][]byte) ovio.Request { return ovio.ReadAt(fx.pipeW, b[0], 0) })},
	{"ReadAtNowait", read([]int{10}, func(fx *agreeFixture, b [][]byte) ovio.Request { return ovio.ReadAtNowait(fx.file, b[0], 5) })},
	{"ReadAtNowaitEOF", read([]int{10}, func(fx *agreeFixture, b [][]byte) ovio.Request { return ovio.ReadAtNowait(fx.file, b[0], 60) })},
	{"ReadAtNowaitClosed", read([]int{4}, func(fx *agreeFixture, b [][]byte) ovio.Request { return ovio.ReadAtNowait(fx.closed, b[0], 0) })},
	{"ReadAtNowaitDir", read([]int{4}, func(fx *agreeFixture, b [][]byte) ovio.Request { return ovio.ReadAtNowait(fx.dirfd, b[0], 0) })},
	{"Read", read([]int{7}, func(fx *agreeFixture, b [][]byte) ovio.Request { return ovio.Read(fx.file, b[0]) })},
	{"ReadPipe", read([]int{20}, func(fx *agreeFixture, b [][]byte) ovio.Request { return ovio.Read(fx.pipeR, b[0]) })},
	{"ReadDir", read([]int{4}, func(fx *agreeFixture, b [][]byte) ovio.Request { return ovio.Read(fx.dirfd, b[0]) })},
	{"Readv", read([]int{3, 0, 5}, func(fx *agreeFixture, b [][]byte) ovio.Request { return ovio.Readv(fx.file, b, 2) })},
	{"ReadvEOF", read([]int{3, 5}, func(fx *agreeFixture, b [][]byte) ovio.Request { return ovio.Readv(fx.file, b, 62) })},
	{"ReadvNone", read(nil, func(fx *agreeFixture, b [][]byte) ovio.Request { return ovio.Readv(fx.file, b, 0) })},
	{"ReadvTooMany", read(make([]int, 1025), func(fx *agreeFixture, b [][]byte) ovio.Request { return ovio.Readv(fx.file, b, 0) })},
	{"ReadvPipe", read([]int{2, 3}, func(fx *agreeFixture, b [][]byte) ovio.Request { return ovio.Readv(fx.pipeR, b, 9) })},
	{"WriteAt", do(func(fx *agreeFixture) ovio.Request { return ovio.WriteAt(fx.file, []byte("XYZ"), 10) })},
	{"WriteAtPastEnd", do(func(fx *agreeFixture) ovio.Request { return ovio.WriteAt(fx.file, []byte("end"), 70) })},
	{"WriteAtTooFar", do(func(fx *agreeFixture) ovio.Request { return ovio.WriteAt(fx.file, []byte("x"), 1<<62) })},
	{"WriteAtReadOnly", do(func(fx *agreeFixture) ovio.Request { return ovio.WriteAt(fx.ro, []byte("x"), 0) })},
	{"WriteAtDir", do(func(fx *agreeFixture) ovio.Request { return ovio.WriteAt(fx.dirfd, []byte("x"), 0) })},
	{"WriteAtPipe", do(func(fx *agreeFixture) ovio.Request { return ovio.WriteAt(fx.pipeW, []byte("x"), 5) })},
	{"WriteAtReadEnd", do(func(fx *agreeFixture) ovio.Request { return ovio.WriteAt(fx.pipeR, []byte("x"), 0) })},
	{"WriteAtNegative", do(func(fx *agreeFixture) ovio.Request { return ovio.WriteAt(fx.file, []byte("x"), -3) })},
	{"WriteAtNowait", do(func(fx *agreeFixture) ovio.Request { return ovio.WriteAtNowait(fx.file, []byte("now"), 62) })},
	{"WriteAtNowaitReadOnly", do(func(fx *agreeFixture) ovio.Request { return ovio.WriteAtNowait(fx.ro, []byte("x"), 0) })},
	{"Write", do(func(fx *agreeFixture) ovio.Request { return ovio.Write(fx.file, []byte("head")) })},
	{"WriteEmpty", do(func(fx *agreeFixture) ovio.Request { return ovio.Write(fx.file, nil) })},
	{"Writev", do(func(fx *agreeFixture) ovio.Request { return ovio.Writev(fx.file, bufs("ab", "", "cd"), 30) })},
	{"WritevNone", do(func(fx *agreeFixture) ovio.Request { return ovio.Writev(fx.file, nil, 30) })},
	{"WritevReadOnly", do(func(fx *agreeFixture) ovio.Request { return ovio.Writev(fx.ro, bufs("ab"), 0) })},
	{"Fsync", do(func(fx *agreeFixture) ovio.Request { return ovio.Fsync(fx.file) })},
	{"FsyncReadOnly", do(func(fx *agreeFixture) ovio.Request { return ovio.Fsync(fx.ro) })},
	{"FsyncDir", do(func(fx *agreeFixture) ovio.Request { return ovio.Fsync(fx.dirfd) })},
	{"FsyncPipe", do(func(fx *agreeFixture) ovio.Request { return ovio.Fsync(fx.pipeR) })},
	{"FsyncClosed", do(func(fx *agreeFixture) ovio.Request { return ovio.Fsync(fx.closed) })},
	{"Fdatasync", do(func(fx *agreeFixture) ovio.Request { return ovio.Fdatasync(fx.file) })},
	{"FdatasyncPipe", do(func(fx *agreeFixture) ovio.Request { return ovio.Fdatasync(fx.pipeW) })},
	{"Fallocate", do(func(fx *agreeFixture) ovio.Request { return ovio.Fallocate(fx.file, 0, 0, 100) })},
	{"FallocateKeepSize", do(func(fx *agreeFixture) ovio.Request {
		return ovio.Fallocate(fx.file, unix.FALLOC_FL_KEEP_SIZE, 0, 4096)
	})},
	{"FallocatePunchAlone", do(func(fx *agreeFixture) ovio.Request {
		return ovio.Fallocate(fx.file, unix.FALLOC_FL_PUNCH_HOLE, 0, 10)
	})},
	{"FallocateZeroLength", do(func(fx *agreeFixture) ovio.Request { return ovio.Fallocate(fx.file, 0, 0, 0) })},
	{"FallocateNegative", do(func(fx *agreeFixture) ovio.Request { return ovio.Fallocate(fx.file, 0, 0, -1) })},
	{"FallocateReadOnly", do(func(fx *agreeFixture) ovio.Request { return ovio.Fallocate(fx.ro, 0, 0, 10) })},
	{"FallocatePipe", do(func(fx *agreeFixture) ovio.Request { return ovio.Fallocate(fx.pipeW, 0, 0, 10) })},
	{"CloseClosed", do(func(fx *agreeFixture) ovio.Request { return ovio.Close(fx.closed) })},
	{"CloseNegative", do(func(fx *agreeFixture) ovio.Request { return ovio.Close(-1) })},
	{"Close", func(e *ovio.Engine, fx *agreeFixture) (int, string, error) {
		fd, err := unix.Dup(fx.file)
		if err != nil {
			return 0, "", err
		}
		n, err := e.Do(context.Background(), ovio.Close(fd))
		_, ferr := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		return n, fmt.Sprintf("afterwards: %v", ferr), err
	}},
	{"Openat", opened(func(fx *agreeFixture) (int, string) { return unix.AT_FDCWD, filepath.Join(fx.dir, "file") }, os.O_RDONLY, 0)},
	{"OpenatRelative", opened(func(fx *agreeFixture) (int, string) { return fx.dirfd, "file" }, os.O_RDWR|os.O_APPEND, 0)},
	{"OpenatCreate", opened(func(fx *agreeFixture) (int, string) { return fx.dirfd, "new" }, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o604)},
	{"OpenatExcl", opened(func(fx *agreeFixture) (int, string) { return fx.dirfd, "file" }, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)},
	{"OpenatMissing", opened(func(fx *agreeFixture) (int, string) { return fx.dirfd, "missing" }, os.O_RDONLY, 0)},
	{"OpenatNotDir", opened(func(fx *agreeFixture) (int, string) { return fx.dirfd, "file/x" }, os.O_RDONLY, 0)},
	{"OpenatDirectoryFlag", opened(func(fx *agreeFixture) (int, string) { return fx.dirfd, "file" }, os.O_RDONLY|unix.O_DIRECTORY, 0)},
	{"OpenatDirForWriting", opened(func(fx *agreeFixture) (int, string) { return fx.dirfd, "sub" }, os.O_RDWR, 0)},
	{"OpenatRelativeToFile", opened(func(fx *agreeFixture) (int, string) { return fx.file, "x" }, os.O_RDONLY, 0)},
	{"OpenatBadDir", opened(func(fx *agreeFixture) (int, string) { return fx.closed, "x" }, os.O_RDONLY, 0)},
	{"OpenatEmpty", opened(func(fx *agreeFixture) (int, string) { return fx.dirfd, "" }, os.O_RDONLY, 0)},
	{"OpenatNUL", opened(func(fx *agreeFixture) (int, string) { return fx.dirfd, "fi\x00le" }, os.O_RDONLY, 0)},
	{"OpenatTooLong", opened(func(fx *agreeFixture) (int, string) { return fx.dirfd, string(make([]byte, 5000)) }, os.O_RDONLY, 0)},
	{"Statx", statx(func(fx *agreeFixture) (int, string) { return fx.dirfd, "file" }, 0, unix.STATX_BASIC_STATS)},
	{"StatxEmptyPath", statx(func(fx *agreeFixture) (int, string) { return fx.file, "" }, unix.AT_EMPTY_PATH, unix.STATX_SIZE)},
	{"StatxEmptyPathNoFlag", statx(func(fx *agreeFixture) (int, string) { return fx.file, "" }, 0, unix.STATX_SIZE)},
	{"StatxMissing", statx(func(fx *agreeFixture) (int, string) { return fx.dirfd, "missing" }, 0, unix.STATX_SIZE)},
	{"StatxBadFlags", statx(func(fx *agreeFixture) (int, string) { return fx.dirfd, "file" }, 0x7fff0000, unix.STATX_SIZE)},
	{"StatxNUL", statx(func(fx *agreeFixture) (int, string) { return fx.dirfd, "a\x00" }, 0, unix.STATX_SIZE)},
	{"StatxNil", func(e *ovio.Engine, fx *agreeFixture) (int, string, error) {
		n, err := e.Do(context.Background(), ovio.Statx(fx.dirfd, "file", 0, unix.STATX_SIZE, nil))
		return n, "", err
	}},
	{"Timeout", do(func(fx *agreeFixture) ovio.Request { return ovio.Timeout(time.Millisecond) })},
	{"TimeoutNegative", do(func(fx *agreeFixture) ovio.Request { return ovio.Timeout(-time.Second) })},
	{"TimeoutCancelled", func(e *ovio.Engine, fx *agreeFixture) (int, string, error) {
		// Started, then cancelled: a run whose deadline passed before Do began is refused
		// instead, which the other engine, started in time, would not match.
		n, err := doBeforeDeadline(fx.t, e, 5*time.Millisecond, ovio.Timeout(time.Hour))
		return n, "", err
	}},
	{"ReadCancelled", func(e *ovio.Engine, fx *agreeFixture) (int, string, error) {
		unix.Read(fx.pipeR, make([]byte, 64)) // empty the pipe
		ctx, cancel := context.WithCancel(context.Background())
		f := e.Start(ctx, ovio.Read(fx.pipeR, make([]byte, 8)))
		time.Sleep(5 * time.Millisecond)
		cancel()
		n, err := f.Result()
		return n, "", err
	}},
	{"ReadNothingFromEmptyPipe", func(e *ovio.Engine, fx *agreeFixture) (int, string, error) {
		unix.Read(fx.pipeR, make([]byte, 64))
		n, err := doBeforeDeadline(fx.t, e, 20*time.Millisecond, ovio.Readv(fx.pipeR, [][]byte{nil, {}}, 0))
		return n, "", err
	}},
	{"Batch", func(e *ovio.Engine, fx *agreeFixture) (int, string, error) {
		b := make([]byte, 4)
		// The ops of a batch run in no particular order: none reads what another writes.
		reqs := []ovio.Request{ovio.WriteAt(fx.file, []byte("!!"), 1), ovio.ReadAt(fx.file, b, 8), ovio.Fsync(fx.closed), ovio.Nop()}
		res := make([]ovio.Result, len(reqs))
		err := e.DoBatch(context.Background(), reqs, res)
		return 0, fmt.Sprintf("%q %v, file %q", b, describeResults(res), fx.content()), err
	}},
}

func describeResults(rs []ovio.Result) string {
	s := ""
	for _, r := range rs {
		s += fmt.Sprintf("[%d %s] ", r.N, describeErr(r.Err))
	}
	return s
}

// describeErr shows what a user of an error can see of it.
func describeErr(err error) string {
	if err == nil {
		return "nil"
	}
	var oe *ovio.OpError
	if !errors.As(err, &oe) {
		return fmt.Sprintf("%T %v", err, err)
	}
	return fmt.Sprintf("OpError{Op: %q, Path: %q, Err: %#v, Cause: %v} %q", oe.Op, oe.Path, oe.Err, oe.Cause, err.Error())
}

func TestEnginesAgree(t *testing.T) {
	uring := openEngine(t, "io_uring", nil)
	blocking := openEngine(t, "blocking", nil)
	for _, c := range agreeCases {
		t.Run(c.name, func(t *testing.T) {
			n1, eff1, err1 := c.run(uring, newAgreeFixture(t))
			n2, eff2, err2 := c.run(blocking, newAgreeFixture(t))
			if n1 != n2 || describeErr(err1) != describeErr(err2) || eff1 != eff2 {
				t.Errorf("the engines differ:\n io_uring: %d, %s, %s\n blocking: %d, %s, %s",
					n1, describeErr(err1), eff1, n2, describeErr(err2), eff2)
			} else if testing.Verbose() {
				t.Logf("%d, %s, %s", n1, describeErr(err1), eff1)
			}
		})
	}
}
