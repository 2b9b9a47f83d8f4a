package iocp

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"unsafe"
)

// The mirrored structs, with the C name of each field in order. Their layout is checked against the
// ABI as documented (TestLayoutABI) and, where a MinGW-w64 compiler is installed, against MinGW's
// headers (TestLayoutAgainstHeaders).
var layouts = []struct {
	c      string
	header string // "windows" for <windows.h>, "ddk" for the DDK's <ntifs.h>
	v      any
	fields []string
}{
	{"OVERLAPPED_ENTRY", "windows", OverlappedEntry{}, []string{"lpCompletionKey", "lpOverlapped", "Internal", "dwNumberOfBytesTransferred"}},
	{"FILE_COMPLETION_INFORMATION", "ddk", FileCompletionInformation{}, []string{"Port", "Key"}},
}

func TestLayoutABI(t *testing.T) {
	p := unsafe.Sizeof(uintptr(0))
	want := map[string][]uintptr{ // size, then the offset of each field
		"OVERLAPPED_ENTRY":            {4 * p, 0, p, 2 * p, 3 * p},
		"FILE_COMPLETION_INFORMATION": {2 * p, 0, p},
	}
	for _, l := range layouts {
		typ := reflect.TypeOf(l.v)
		got := []uintptr{typ.Size()}
		for i := range typ.NumField() {
			got = append(got, typ.Field(i).Offset)
		}
		if fmt.Sprint(got) != fmt.Sprint(want[l.c]) {
			t.Errorf("%s: size and offsets %v, want %v", l.c, got, want[l.c])
		}
		if typ.NumField() != len(l.fields) {
			t.Errorf("%s: %d Go fields, %d C fields", l.c, typ.NumField(), len(l.fields))
		}
	}
}

// TestLayoutAgainstHeaders compiles static assertions of the Go layout against MinGW-w64's
// headers for Windows on amd64. It needs the Go layout of amd64, so it runs on amd64 hosts only.
func TestLayoutAgainstHeaders(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the headers are checked for windows/amd64, and this is " + runtime.GOARCH)
	}
	cc, err := exec.LookPath("x86_64-w64-mingw32-gcc")
	if err != nil {
		t.Skip("no MinGW-w64 compiler (x86_64-w64-mingw32-gcc); the ABI test stands alone")
	}
	sources := map[string]*strings.Builder{"windows": {}, "ddk": {}}
	sources["windows"].WriteString("#include <windows.h>\n#include <stddef.h>\n")
	sources["ddk"].WriteString("#include <ntifs.h>\n#include <stddef.h>\n")
	assert := func(b *strings.Builder, expr string, v uintptr) {
		fmt.Fprintf(b, "_Static_assert(%s == %d, \"%s is %d in Go\");\n", expr, v, expr, v)
	}
	for _, l := range layouts {
		b := sources[l.header]
		typ := reflect.TypeOf(l.v)
		assert(b, "sizeof("+l.c+")", typ.Size())
		for i, f := range l.fields {
			assert(b, "offsetof("+l.c+", "+f+")", typ.Field(i).Offset)
		}
	}
	w := sources["windows"]
	assert(w, "offsetof(FILE_NOTIFY_INFORMATION, NextEntryOffset)", NotifyNextEntryOffset)
	assert(w, "offsetof(FILE_NOTIFY_INFORMATION, Action)", NotifyAction)
	assert(w, "offsetof(FILE_NOTIFY_INFORMATION, FileNameLength)", NotifyFileNameLength)
	assert(w, "offsetof(FILE_NOTIFY_INFORMATION, FileName)", NotifyFileName)
	assert(w, "_Alignof(FILE_NOTIFY_INFORMATION)", NotifyAlign)
	assert(w, "(unsigned)ERROR_IO_PENDING", 997)
	assert(w, "(unsigned)HRESULT_FROM_WIN32(ERROR_IO_PENDING)", 0x800703E5)
	d := sources["ddk"]
	assert(d, "FileModeInformation", ClassFileMode)
	assert(d, "FileCompletionInformation", ClassFileCompletion)
	assert(d, "FileIoCompletionNotificationInformation", ClassFileIoCompletionNotification)
	assert(d, "FileReplaceCompletionInformation", ClassFileReplaceCompletion)
	for _, s := range []struct {
		name string
		v    uint32
	}{
		{"STATUS_PENDING", StatusPending}, {"STATUS_NOTIFY_ENUM_DIR", StatusNotifyEnumDir},
		{"STATUS_BUFFER_OVERFLOW", StatusBufferOverflow}, {"STATUS_CANCELLED", StatusCancelled},
		{"STATUS_NOT_IMPLEMENTED", StatusNotImplemented}, {"STATUS_INVALID_INFO_CLASS", StatusInvalidInfo},
	} {
		assert(d, "(unsigned)"+s.name, uintptr(s.v))
	}

	dir := t.TempDir()
	ddk := ""
	for _, inc := range []string{"/usr/share/mingw-w64/include/ddk", "/usr/x86_64-w64-mingw32/include/ddk"} {
		if _, err := os.Stat(filepath.Join(inc, "ntifs.h")); err == nil {
			ddk = inc
			break
		}
	}
	for name, src := range sources {
		args := []string{"-fsyntax-only", "-std=c11"}
		if name == "ddk" {
			if ddk == "" {
				t.Log("no MinGW DDK headers found; FILE_COMPLETION_INFORMATION and the NTSTATUS values are not checked")
				continue
			}
			args = append(args, "-I", ddk)
		}
		file := filepath.Join(dir, name+".c")
		if err := os.WriteFile(file, []byte(src.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(cc, append(args, file)...).CombinedOutput()
		if err != nil {
			t.Errorf("%s headers disagree with the Go layout:\n%s\n%s", name, out, src)
		}
	}
}
