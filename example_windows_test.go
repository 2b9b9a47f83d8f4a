package ovio_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/ovio/ovio"
	"golang.org/x/sys/windows"
)

// createOverlapped opens path for overlapped I/O, which the IOCP engine needs: os.Create's handles
// are synchronous.
func createOverlapped(path string) windows.Handle {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		log.Fatal(err)
	}
	h, err := windows.CreateFile(p, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil,
		windows.CREATE_ALWAYS, windows.FILE_FLAG_OVERLAPPED|windows.FILE_FLAG_DELETE_ON_CLOSE, 0)
	if err != nil {
		log.Fatal(err)
	}
	return h
}

// Read a file at an offset on Windows, waiting in the goroutine and not in an OS thread.
func Example_windows() {
	e, err := ovio.Default()
	if err != nil {
		log.Fatal(err)
	}
	h := createOverlapped(filepath.Join(os.TempDir(), fmt.Sprint("ovio-example-", os.Getpid())))
	defer windows.CloseHandle(h)

	ctx := context.Background()
	if _, err := e.Do(ctx, ovio.WriteAt(h, []byte("hello, ovio"), 0)); err != nil {
		log.Fatal(err)
	}
	buf := make([]byte, 4)
	n, err := e.Do(ctx, ovio.ReadAt(h, buf, 7))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", buf[:n])
	// Output: ovio
}

// Await any overlapped Win32 call: start it with the OVERLAPPED ovio owns, and name the memory it
// lends the kernel so that ovio keeps it pinned until the completion. A deadline cancels it with
// CancelIoEx; the error says so.
func ExampleOverlapped() {
	e, err := ovio.Default()
	if err != nil {
		log.Fatal(err)
	}
	name, _ := windows.UTF16PtrFromString(fmt.Sprint(`\\.\pipe\ovio-example-`, os.Getpid()))
	pipe, err := windows.CreateNamedPipe(name, windows.PIPE_ACCESS_DUPLEX|windows.FILE_FLAG_OVERLAPPED,
		windows.PIPE_TYPE_BYTE, 1, 4096, 4096, 0, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer windows.CloseHandle(pipe)

	// No client ever connects: ConnectNamedPipe pends until the deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err = e.Do(ctx, ovio.Overlapped(pipe, func(ov *windows.Overlapped) error {
		return windows.ConnectNamedPipe(pipe, ov)
	}))
	fmt.Println(errors.Is(err, context.DeadlineExceeded), errors.Is(err, windows.ERROR_OPERATION_ABORTED))
	// Output: true true
}
