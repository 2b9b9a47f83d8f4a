//go:build unix

package ovio_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/ovio/ovio"
)

// A read that would wait forever, on a named pipe nobody writes, ends with its context.
func ExampleFile_ReadContext() {
	dir, err := os.MkdirTemp("", "ovio-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	name := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(name, 0o600); err != nil {
		log.Fatal(err)
	}
	f, err := ovio.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err = f.ReadContext(ctx, make([]byte, 8))
	fmt.Println(errors.Is(err, context.DeadlineExceeded), os.IsTimeout(err))
	// Output: true true
}
