package ovio

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// testDirent is one entry of a getdents64 buffer, as FuzzDirents encodes it.
type testDirent struct {
	name string
	typ  uint8
}

// encodeDirents lays entries out as getdents64 does (struct linux_dirent64: u64 d_ino, s64
// d_off, u16 d_reclen, u8 d_type, then the name, NUL-terminated, the record padded to 8 bytes),
// written out here rather than taken from readdir_linux.go's offsets, so that those are checked.
func encodeDirents(ents []testDirent) []byte {
	var buf []byte
	for i, e := range ents {
		reclen := (19 + len(e.name) + 1 + 7) &^ 7
		rec := make([]byte, reclen)
		binary.NativeEndian.PutUint64(rec[0:], uint64(1000+i))
		binary.NativeEndian.PutUint64(rec[8:], uint64(i+1))
		binary.NativeEndian.PutUint16(rec[16:], uint16(reclen))
		rec[18] = e.typ
		copy(rec[19:], e.name)
		buf = append(buf, rec...)
	}
	return buf
}

// direntsFrom reads any bytes as a list of entries a kernel could give: '/' separates them; an
// entry's first byte is its d_type and the rest its name, without NULs, at most 255 bytes.
func direntsFrom(data []byte) []testDirent {
	var ents []testDirent
	for _, chunk := range bytes.Split(data, []byte{'/'}) {
		if len(chunk) < 2 {
			continue
		}
		name := bytes.ReplaceAll(chunk[1:], []byte{0}, nil)
		if len(name) == 0 {
			continue
		}
		ents = append(ents, testDirent{name: string(name[:min(len(name), 255)]), typ: chunk[0]})
	}
	return ents
}

// decodeDirents walks buf with parseDirent as readDir does, checking what each record gives;
// it returns the entries and how many bytes they took.
func decodeDirents(buf []byte) (ents []testDirent, used int, err error) {
	for used < len(buf) {
		name, typ, reclen := parseDirent(buf[used:])
		if reclen == 0 {
			break
		}
		if reclen < 19 || used+reclen > len(buf) {
			return ents, used, fmt.Errorf("record at %d of %d bytes: length %d", used, len(buf), reclen)
		}
		if strings.ContainsAny(name, "/\x00") {
			return ents, used, fmt.Errorf("record at %d: name %q", used, name)
		}
		ents = append(ents, testDirent{name, typ})
		used += reclen
	}
	return ents, used, nil
}

// FuzzDirents decodes getdents64 buffers as ReadDir does (parseDirent). Any bytes: no panic, no
// record past the buffer or shorter than its header, no name holding '/' or NUL. And the same
// bytes read as a list of entries (direntsFrom) and encoded as the kernel does decode to those
// entries, every byte used.
func FuzzDirents(f *testing.F) {
	f.Add([]byte("\x08file/\x04dir/\x0alink/\x00unknown/\x01fifo"))
	f.Add(encodeDirents([]testDirent{{".", unix.DT_DIR}, {"..", unix.DT_DIR}, {"a", unix.DT_REG}}))
	f.Add(encodeDirents([]testDirent{{string(bytes.Repeat([]byte{'x'}, 255)), unix.DT_REG}}))
	f.Add([]byte{})
	// What this kernel gives for a real directory.
	dir := f.TempDir()
	for _, name := range []string{"a", "bb", "a name with spaces", "ünïcödé"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			f.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		f.Fatal(err)
	}
	if err := os.Symlink("a", filepath.Join(dir, "link")); err != nil {
		f.Fatal(err)
	}
	d, err := os.Open(dir)
	if err != nil {
		f.Fatal(err)
	}
	buf := make([]byte, dirBufSize)
	n, err := unix.Getdents(int(d.Fd()), buf)
	d.Close()
	if err != nil {
		f.Fatal(err)
	}
	got, used, err := decodeDirents(buf[:n])
	if err != nil {
		f.Fatal(err)
	}
	var names []string
	for _, e := range got {
		names = append(names, e.name)
	}
	slices.Sort(names)
	if want := []string{".", "..", "a", "a name with spaces", "bb", "link", "sub", "ünïcödé"}; used != n || !slices.Equal(names, want) {
		f.Fatalf("the kernel's buffer (%d bytes, %d decoded) gives %q, want %q", n, used, names, want)
	}
	f.Add(buf[:n])

	f.Fuzz(func(t *testing.T, data []byte) {
		if _, _, err := decodeDirents(data); err != nil {
			t.Fatal(err)
		}

		want := direntsFrom(data)
		enc := encodeDirents(want)
		got, used, err := decodeDirents(enc)
		if err != nil || used != len(enc) || !slices.Equal(got, want) {
			t.Fatalf("encoded %v (%d bytes), decoded %v (%d bytes, %v)", want, len(enc), got, used, err)
		}
	})
}
