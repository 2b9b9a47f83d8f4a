//go:build linux

package uring

import (
	"os"
	"syscall"
	"testing"
)

func TestPreadNowait(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "nowait")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString("0123456789")
	buf := make([]byte, 4)
	if n, errno := PreadNowait(int32(f.Fd()), buf, 3); errno != 0 || n != 4 || string(buf) != "3456" {
		t.Fatalf("PreadNowait: %d, %v, %q", n, errno, buf)
	}
	if n, errno := PwriteNowait(int32(f.Fd()), []byte("ab"), 8); errno != 0 && errno != syscall.EOPNOTSUPP && errno != syscall.EAGAIN {
		t.Fatalf("PwriteNowait: %d, %v", n, errno)
	}
	if _, errno := PreadNowait(-1, buf, 0); errno != syscall.EBADF {
		t.Fatalf("PreadNowait of fd -1: %v", errno)
	}
}

// BenchmarkPread compares the system calls a cached read can use, in one run.
func BenchmarkPread(b *testing.B) {
	f, err := os.CreateTemp(b.TempDir(), "nowait")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	f.Write(make([]byte, 1<<20))
	fd := int(f.Fd())
	buf := make([]byte, 4096)
	b.Run("pread", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			syscall.Pread(fd, buf, int64(i%256)*4096)
		}
	})
	b.Run("preadv2-nowait", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			PreadNowait(int32(fd), buf, int64(i%256)*4096)
		}
	})
	b.Run("os.File.ReadAt", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			f.ReadAt(buf, int64(i%256)*4096)
		}
	})
}
