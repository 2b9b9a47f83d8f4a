//go:build !linux

package ovio

import (
	"io"
	"os"
	"slices"
)

// readFile is os.ReadFile on a File: open, stat for the size, reads to the end, close.
func (e *Engine) readFile(name string) ([]byte, error) {
	f, err := e.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var size int64
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
	}
	const minBuf = 512
	n := 0
	if int64(int(size)) == size && size > 0 {
		n = int(size)
	}
	data := make([]byte, 0, max(n+1, minBuf))
	for {
		m, err := f.Read(data[len(data):cap(data)])
		data = data[:len(data)+m]
		if err != nil {
			if err == io.EOF {
				return data, nil
			}
			return nil, err
		}
		if cap(data) == len(data) || (size == 0 && cap(data)-len(data) < minBuf) {
			data = slices.Grow(data, minBuf)
		}
	}
}
