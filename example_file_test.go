//go:build !windows

// Not on Windows until File is wired to the IOCP engine.

package ovio_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/ovio/ovio"
)

// Open a file as with os.OpenFile, write to it, and read it back: each call waits for a
// completion in its goroutine, not in a system call on an OS thread.
func ExampleOpenFile() {
	dir, err := os.MkdirTemp("", "ovio-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	f, err := ovio.OpenFile(filepath.Join(dir, "greeting"), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write([]byte("hello, ovio")); err != nil {
		log.Fatal(err)
	}
	f.Seek(0, io.SeekStart)
	b, err := io.ReadAll(f)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(b))

	// The errors are os's.
	_, err = ovio.OpenFile(filepath.Join(dir, "missing"), os.O_RDONLY, 0)
	fmt.Println(errors.Is(err, fs.ErrNotExist))
	// Output:
	// hello, ovio
	// true
}

// Read at an offset under a deadline: if it passes first, the read is cancelled in the kernel
// and the error says so.
func ExampleFile_ReadAtContext() {
	dir, err := os.MkdirTemp("", "ovio-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	name := filepath.Join(dir, "data")
	os.WriteFile(name, []byte("0123456789"), 0o644)

	f, err := ovio.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	buf := make([]byte, 4)
	n, err := f.ReadAtContext(ctx, buf, 3)
	if errors.Is(err, context.DeadlineExceeded) {
		log.Fatal("too slow")
	}
	fmt.Println(n, string(buf), err)

	// Past the end, as with os: the bytes there are, and io.EOF.
	n, err = f.ReadAtContext(ctx, buf, 8)
	fmt.Println(n, string(buf[:n]), err)
	// Output:
	// 4 3456 <nil>
	// 2 89 EOF
}

// Read scattered ranges of a file with one submission.
func ExampleFile_ReadAtBatch() {
	dir, err := os.MkdirTemp("", "ovio-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	name := filepath.Join(dir, "data")
	os.WriteFile(name, []byte("the quick brown fox"), 0o644)

	f, err := ovio.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	ranges := []ovio.ReadRange{
		{Off: 16, Buf: make([]byte, 3)},
		{Off: 4, Buf: make([]byte, 5)},
		{Off: 17, Buf: make([]byte, 5)}, // runs past the end
	}
	err = f.ReadAtBatch(context.Background(), ranges)
	for _, r := range ranges {
		fmt.Printf("%q %v\n", r.Buf[:r.N], r.Err)
	}
	fmt.Println(err)
	// Output:
	// "fox" <nil>
	// "quick" <nil>
	// "ox" EOF
	// EOF
}

// Use a directory tree as an fs.FS whose opens, stats and reads are ops, as os.DirFS.
func ExampleDirFS() {
	dir, err := os.MkdirTemp("", "ovio-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.MkdirAll(filepath.Join(dir, "docs"), 0o755)
	os.WriteFile(filepath.Join(dir, "docs", "a.txt"), []byte("alpha"), 0o644)
	os.WriteFile(filepath.Join(dir, "docs", "b.txt"), []byte("beta"), 0o644)

	fsys := ovio.DirFS(dir)
	fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			data, err := fs.ReadFile(fsys, name)
			fmt.Println(name, string(data), err)
		}
		return nil
	})

	// As with os.DirFS, names are checked: no way out of the tree by "..".
	_, err = fs.ReadFile(fsys, "../secret")
	fmt.Println(err, errors.Is(err, fs.ErrInvalid))
	// Output:
	// docs/a.txt alpha <nil>
	// docs/b.txt beta <nil>
	// readfile ../secret: invalid argument true
}
