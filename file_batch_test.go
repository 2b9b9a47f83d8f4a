package ovio_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/ovio/ovio"
)

// TestReadAtBatch reads many ranges at once and compares each with os's ReadAt of it.
func TestReadAtBatch(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *ovio.Engine) {
		name := filepath.Join(t.TempDir(), "f")
		content := make([]byte, 100_000)
		for i := range content {
			content[i] = byte(i * 7)
		}
		os.WriteFile(name, content, 0o644)
		of, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		defer of.Close()
		f, err := e.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()

		rng := rand.New(rand.NewPCG(3, 4))
		ranges := []ovio.ReadRange{
			{Off: 0, Buf: make([]byte, 100)},
			{Off: 99_990, Buf: make([]byte, 100)}, // straddles the end
			{Off: 200_000, Buf: make([]byte, 10)}, // past the end
			{Off: 5, Buf: nil},                    // nothing to read
			{Off: -1, Buf: make([]byte, 10)},      // refused
			{Off: 0, Buf: make([]byte, 100_000)},  // all of it
		}
		for range 1000 {
			ranges = append(ranges, ovio.ReadRange{Off: rng.Int64N(110_000), Buf: make([]byte, rng.IntN(5000))})
		}
		err = f.ReadAtBatch(context.Background(), ranges)
		var first error
		for i, r := range ranges {
			want := make([]byte, len(r.Buf))
			n, werr := of.ReadAt(want, r.Off)
			if r.N != n || string(r.Buf[:r.N]) != string(want[:n]) {
				t.Errorf("range %d (%d bytes at %d): %d bytes, os reads %d", i, len(r.Buf), r.Off, r.N, n)
			}
			sameErr(t, fmt.Sprintf("range %d", i), r.Err, werr, "", "")
			if first == nil {
				first = r.Err
			}
		}
		if err != first {
			t.Errorf("ReadAtBatch returned %v, want the first range's error %v", err, first)
		}

		// All of them full: nil.
		ok := []ovio.ReadRange{{Off: 10, Buf: make([]byte, 10)}, {Off: 0, Buf: make([]byte, 10)}}
		if err := f.ReadAtBatch(context.Background(), ok); err != nil || ok[0].N != 10 || ok[1].N != 10 {
			t.Errorf("ReadAtBatch of full ranges: %v, %+v", err, ok)
		}
		if err := f.ReadAtBatch(context.Background(), nil); err != nil {
			t.Errorf("ReadAtBatch of nothing: %v", err)
		}

		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := f.ReadAtBatch(ctx, ok); !errors.Is(err, context.Canceled) || ok[0].N != 0 {
			t.Errorf("ReadAtBatch with a done context: %v, %+v", err, ok[0])
		}

		f.Close()
		err = f.ReadAtBatch(context.Background(), ok)
		var pe *fs.PathError
		if !errors.As(err, &pe) || pe.Op != "read" || pe.Err != fs.ErrClosed || ok[1].Err != err {
			t.Errorf("ReadAtBatch after Close: %v, %+v", err, ok)
		}
		var nf *ovio.File
		if err := nf.ReadAtBatch(context.Background(), ok); err != fs.ErrInvalid {
			t.Errorf("ReadAtBatch on a nil File: %v", err)
		}
	})
}
