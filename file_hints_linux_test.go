package ovio

import (
	"os"
	"syscall"
	"testing"
)

// TestFileHints checks that a File tries the page cache first unless it was opened with O_DIRECT,
// where RWF_NOWAIT would block the thread for the device.
func TestFileHints(t *testing.T) {
	for _, c := range []struct {
		flag int
		want uint8
	}{
		{os.O_RDONLY, rwNowait},
		{os.O_RDWR | os.O_CREATE, rwNowait},
		{os.O_RDONLY | syscall.O_DIRECT, 0},
		{os.O_RDWR | syscall.O_DIRECT | os.O_SYNC, 0},
	} {
		if got := rwHints(c.flag); got != c.want {
			t.Errorf("rwHints(%#x) = %d, want %d", c.flag, got, c.want)
		}
	}
	f, err := Create(t.TempDir() + "/hints")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if r := f.readAtReq(make([]byte, 8), 0); r.rw&rwNowait == 0 {
		t.Error("a File opened without O_DIRECT does not mark its reads rwNowait")
	}
}
