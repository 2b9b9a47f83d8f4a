package ovio_test

import (
	"testing"

	"github.com/ovio/ovio"
	"golang.org/x/sys/windows"
)

// Placeholders until the IOCP engine lands.
var (
	badHandle      = ovio.Handle(windows.InvalidHandle)
	errBadHandle   = windows.ERROR_INVALID_HANDLE
	nativeCanceled = windows.ERROR_OPERATION_ABORTED
)

const readOpName = "ReadFile"

func engineKinds(t *testing.T) []string {
	t.Skip("the IOCP engine has not landed yet")
	return nil
}

func tempFile(t testing.TB, e *ovio.Engine) ovio.Handle { t.Fatal("no IOCP engine"); return 0 }

type pending struct{}

func newPending(t testing.TB, e *ovio.Engine) *pending { t.Fatal("no IOCP engine"); return nil }

func (p *pending) read(buf []byte) ovio.Request { return ovio.Request{} }

func (p *pending) feed(data []byte) {}
