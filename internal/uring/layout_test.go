//go:build linux

package uring

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unsafe"
)

// layouts lists every mirrored struct with the C name of each field, in order. The expected
// offsets come from the kernel's header, compiled by the C compiler when there is one
// (TestLayoutAgainstHeader), and from the ABI as documented (TestLayoutABI).
var layouts = []struct {
	c      string
	v      any
	fields []string
}{
	{"struct io_uring_sqe", SQE{}, []string{"opcode", "flags", "ioprio", "fd", "off", "addr", "len", "rw_flags", "user_data", "buf_index", "personality", "file_index", "addr3", "__pad2"}},
	{"struct io_uring_cqe", CQE{}, []string{"user_data", "res", "flags"}},
	{"struct io_sqring_offsets", SQRingOffsets{}, []string{"head", "tail", "ring_mask", "ring_entries", "flags", "dropped", "array", "resv1", ""}},
	{"struct io_cqring_offsets", CQRingOffsets{}, []string{"head", "tail", "ring_mask", "ring_entries", "overflow", "cqes", "flags", "resv1", ""}},
	{"struct io_uring_params", Params{}, []string{"sq_entries", "cq_entries", "flags", "sq_thread_cpu", "sq_thread_idle", "features", "wq_fd", "resv", "sq_off", "cq_off"}},
	{"struct io_uring_probe_op", ProbeOp{}, []string{"op", "resv", "flags", "resv2"}},
	{"struct io_uring_probe", probeHeader{}, []string{"last_op", "ops_len", "resv", "resv2"}},
	{"struct io_uring_getevents_arg", GeteventsArg{}, []string{"sigmask", "sigmask_sz", "", "ts"}},
}

// goLayout renders a struct's size and field offsets in the same form as the C program below.
func goLayout(c string, v any, fields []string) string {
	t := reflect.TypeOf(v)
	var b strings.Builder
	fmt.Fprintf(&b, "%s size %d\n", c, t.Size())
	for i, f := range fields {
		if f == "" {
			continue
		}
		fmt.Fprintf(&b, "%s.%s %d\n", c, f, t.Field(i).Offset)
	}
	return b.String()
}

func TestLayoutABI(t *testing.T) {
	sizes := map[string]uintptr{
		"struct io_uring_sqe": 64, "struct io_uring_cqe": 16, "struct io_sqring_offsets": 40,
		"struct io_cqring_offsets": 40, "struct io_uring_params": 120, "struct io_uring_probe_op": 8,
		"struct io_uring_probe": 16, "struct io_uring_getevents_arg": 24,
	}
	for _, l := range layouts {
		if got := reflect.TypeOf(l.v).Size(); got != sizes[l.c] {
			t.Errorf("%s: Go size %d, ABI size %d", l.c, got, sizes[l.c])
		}
		if n := reflect.TypeOf(l.v).NumField(); n != len(l.fields) {
			t.Errorf("%s: Go struct has %d fields, the table names %d", l.c, n, len(l.fields))
		}
	}
	// The fields the engine relies on most, at their documented offsets.
	var s SQE
	for name, got := range map[string]uintptr{
		"fd": unsafe.Offsetof(s.Fd), "off": unsafe.Offsetof(s.Off), "addr": unsafe.Offsetof(s.Addr),
		"len": unsafe.Offsetof(s.Len), "user_data": unsafe.Offsetof(s.UserData), "addr3": unsafe.Offsetof(s.Addr3),
	} {
		want := map[string]uintptr{"fd": 4, "off": 8, "addr": 16, "len": 24, "user_data": 32, "addr3": 48}[name]
		if got != want {
			t.Errorf("io_uring_sqe.%s at %d, want %d", name, got, want)
		}
	}
	var p Params
	if unsafe.Offsetof(p.SQOff) != 40 || unsafe.Offsetof(p.CQOff) != 80 {
		t.Errorf("io_uring_params.sq_off at %d, cq_off at %d; want 40 and 80", unsafe.Offsetof(p.SQOff), unsafe.Offsetof(p.CQOff))
	}
}

// TestLayoutAgainstHeader compiles a C program against <linux/io_uring.h> that prints the size
// and field offsets of each struct, and compares them with the Go mirrors.
func TestLayoutAgainstHeader(t *testing.T) {
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skip("no C compiler (cc) to read <linux/io_uring.h> with")
	}
	if _, err := os.Stat("/usr/include/linux/io_uring.h"); err != nil {
		t.Skip("no kernel headers: /usr/include/linux/io_uring.h is missing (Debian package linux-libc-dev)")
	}
	var src, want strings.Builder
	src.WriteString("#include <stdio.h>\n#include <stddef.h>\n#include <linux/io_uring.h>\nint main(void) {\n")
	for _, l := range layouts {
		fmt.Fprintf(&src, "printf(\"%s size %%zu\\n\", sizeof(%s));\n", l.c, l.c)
		for _, f := range l.fields {
			if f == "" {
				continue // renamed across kernel versions; the size check covers it
			}
			fmt.Fprintf(&src, "printf(\"%s.%s %%zu\\n\", offsetof(%s, %s));\n", l.c, f, l.c, f)
		}
		want.WriteString(goLayout(l.c, l.v, l.fields))
	}
	src.WriteString("return 0;\n}\n")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "layout.c"), []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "layout")
	if out, err := exec.Command(cc, "-o", bin, filepath.Join(dir, "layout.c")).CombinedOutput(); err != nil {
		t.Fatalf("compiling the layout probe: %v\n%s", err, out)
	}
	got, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, []byte(want.String())) {
		t.Errorf("layouts differ from <linux/io_uring.h>\nC:\n%s\nGo:\n%s", got, want.String())
	}
}
