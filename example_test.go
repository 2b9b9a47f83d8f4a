//go:build !windows

// On Windows, these examples' os.File handles are synchronous, which an I/O completion port cannot
// serve: example_windows_test.go opens its handles with FILE_FLAG_OVERLAPPED.

package ovio_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/ovio/ovio"
)

// Read a file at an offset, waiting in the goroutine and not in an OS thread.
func Example() {
	e, err := ovio.Default()
	if err != nil {
		log.Fatal(err)
	}
	f, err := os.CreateTemp("", "ovio-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	f.WriteString("hello, ovio")

	buf := make([]byte, 4)
	n, err := e.Do(context.Background(), ovio.ReadAt(ovio.Handle(f.Fd()), buf, 7))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", buf[:n])
	// Output: ovio
}

// A deadline cancels the op in the kernel; the error says so.
func ExampleEngine_Do_deadline() {
	e, err := ovio.Default()
	if err != nil {
		log.Fatal(err)
	}
	r, w, err := os.Pipe() // nothing will ever be written
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	raw, _ := r.SyscallConn()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	raw.Control(func(fd uintptr) {
		_, err = e.Do(ctx, ovio.Read(ovio.Handle(fd), make([]byte, 8)))
	})
	fmt.Println(errors.Is(err, context.DeadlineExceeded))
	// Output: true
}

// Start ops as futures, then wait for each.
func ExampleEngine_Start() {
	e, err := ovio.Default()
	if err != nil {
		log.Fatal(err)
	}
	f, err := os.CreateTemp("", "ovio-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	f.WriteString("0123456789")

	ctx := context.Background()
	var ops []*ovio.Op
	bufs := make([][]byte, 5)
	for i := range bufs {
		bufs[i] = make([]byte, 2)
		ops = append(ops, e.Start(ctx, ovio.ReadAt(ovio.Handle(f.Fd()), bufs[i], int64(2*i))))
	}
	for i, op := range ops {
		if _, err := op.Wait(ctx); err != nil {
			log.Fatal(err)
		}
		fmt.Print(string(bufs[i]), " ")
	}
	fmt.Println()
	// Output: 01 23 45 67 89
}

// Submit many ops with one system call and wait for all of them.
func ExampleEngine_DoBatch() {
	e, err := ovio.Default()
	if err != nil {
		log.Fatal(err)
	}
	f, err := os.CreateTemp("", "ovio-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	h := ovio.Handle(f.Fd())

	reqs := []ovio.Request{
		ovio.WriteAt(h, []byte("batch"), 0),
		ovio.WriteAt(h, []byte("ed"), 5),
		ovio.ReadAt(h, make([]byte, 1), -1), // refused: negative offset
	}
	results := make([]ovio.Result, len(reqs))
	err = e.DoBatch(context.Background(), reqs, results)
	fmt.Println(results[0].N, results[1].N, err)
	// Output: 5 2 ovio read: negative offset
}
