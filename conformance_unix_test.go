//go:build unix

package ovio_test

import (
	"os"
	"syscall"
	"testing"

	"github.com/ovio/ovio"
)

// The native codes the conformance suite expects here.
var (
	badHandle      ovio.Handle = -1
	errBadHandle               = syscall.EBADF
	nativeCanceled             = syscall.ECANCELED
)

const readOpName = "read"

// tempFile returns a handle to a new empty file that e can use; the test's end closes it.
func tempFile(t testing.TB, e *ovio.Engine) ovio.Handle {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "ovio")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return ovio.Handle(f.Fd())
}

// pending is a source whose reads pend until fed: a pipe here.
type pending struct{ r, w int }

func newPending(t testing.TB, e *ovio.Engine) *pending {
	t.Helper()
	r, w := testPipe(t)
	return &pending{r, w}
}

// testPipe returns a pipe, in blocking mode and closed on exec, that the test's end closes.
func testPipe(t testing.TB) (r, w int) {
	t.Helper()
	var p [2]int
	syscall.ForkLock.RLock()
	err := syscall.Pipe(p[:])
	if err == nil {
		syscall.CloseOnExec(p[0])
		syscall.CloseOnExec(p[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(p[0]); syscall.Close(p[1]) })
	return p[0], p[1]
}

func (p *pending) read(buf []byte) ovio.Request { return ovio.Read(p.r, buf) }

func (p *pending) feed(data []byte) {
	if _, err := syscall.Write(p.w, data); err != nil {
		panic(err)
	}
}
