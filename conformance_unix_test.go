//go:build unix

package ovio_test

import (
	"context"
	"errors"
	"os"
	"syscall"
	"testing"
	"time"

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

// doBeforeDeadline runs r on e with a context whose deadline is d away, and returns what Do
// returned once the op really started. On a machine loaded enough that the deadline passed before
// Do looked at the context, the op is rightly refused (an *OpError whose Err is the context's
// error, with no native code); that attempt is made again, up to 20 times, so that a test of a
// cancelled op does not fail on the scheduler's timing.
func doBeforeDeadline(t testing.TB, e *ovio.Engine, d time.Duration, r ovio.Request) (int, error) {
	t.Helper()
	for try := 1; ; try++ {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		n, err := e.Do(ctx, r)
		cancel()
		var oe *ovio.OpError
		if try < 20 && errors.As(err, &oe) && oe.Err == context.DeadlineExceeded {
			t.Logf("attempt %d: the deadline passed before the op started; again", try)
			continue
		}
		return n, err
	}
}
