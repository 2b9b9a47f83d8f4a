package ovio_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/ovio/ovio"
)

// TestFileAtCancellable checks ReadAtContext and WriteAtContext under a context that can end,
// whose page-cache attempt runs before the File joins that context to its own: the data, the
// end of the file, and a closed engine, as with a context that cannot end.
func TestFileAtCancellable(t *testing.T) {
	for _, kind := range []string{"io_uring", "blocking"} {
		t.Run(kind, func(t *testing.T) {
			e := openEngine(t, kind, nil)
			name := filepath.Join(t.TempDir(), "f")
			want := bytes.Repeat([]byte("0123456789abcdef"), 1024)
			if err := os.WriteFile(name, want, 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := e.OpenFile(name, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()

			buf := make([]byte, 100)
			if n, err := f.ReadAtContext(ctx, buf, 1000); n != 100 || err != nil || !bytes.Equal(buf, want[1000:1100]) {
				t.Errorf("ReadAtContext: %d, %v, %q", n, err, buf[:n])
			}
			if n, err := f.ReadAtContext(ctx, buf, int64(len(want))-10); n != 10 || err != io.EOF || !bytes.Equal(buf[:10], want[len(want)-10:]) {
				t.Errorf("ReadAtContext across the end: %d, %v, want 10, EOF", n, err)
			}
			if n, err := f.ReadAtContext(ctx, buf, int64(len(want))); n != 0 || err != io.EOF {
				t.Errorf("ReadAtContext at the end: %d, %v, want 0, EOF", n, err)
			}
			if n, err := f.WriteAtContext(ctx, []byte("hello"), 3); n != 5 || err != nil {
				t.Errorf("WriteAtContext: %d, %v", n, err)
			}
			if n, err := f.ReadAtContext(ctx, buf[:8], 2); n != 8 || err != nil || string(buf[:8]) != "2hello89" {
				t.Errorf("ReadAtContext after the write: %d, %v, %q", n, err, buf[:n])
			}

			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			var pe *fs.PathError
			if n, err := f.ReadAtContext(ctx, buf, 0); n != 0 || !errors.As(err, &pe) || pe.Op != "read" || !errors.Is(err, ovio.ErrClosed) {
				t.Errorf("ReadAtContext on a closed engine: %d, %v", n, err)
			}
			if n, err := f.WriteAtContext(ctx, buf, 0); n != 0 || !errors.As(err, &pe) || pe.Op != "write" || !errors.Is(err, ovio.ErrClosed) {
				t.Errorf("WriteAtContext on a closed engine: %d, %v", n, err)
			}
			cancel()
			if n, err := f.ReadAtContext(ctx, buf, 0); n != 0 || !errors.Is(err, context.Canceled) && !errors.Is(err, ovio.ErrClosed) {
				t.Errorf("ReadAtContext with a done context: %d, %v", n, err)
			}
		})
	}
}
