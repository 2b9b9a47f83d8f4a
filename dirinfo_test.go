package ovio

import (
	"encoding/binary"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/ovio/ovio/internal/iocp"
)

// appendFullDirInfo appends a FILE_FULL_DIR_INFORMATION record for rec, padded to 8 bytes, with
// NextEntryOffset 0; setNext links a record to the one after it.
func appendFullDirInfo(buf []byte, rec fullDirInfo) []byte {
	le := binary.LittleEndian
	r := make([]byte, iocp.DirFileName+2*len(rec.name))
	le.PutUint64(r[iocp.DirCreationTime:], uint64(rec.creationTime))
	le.PutUint64(r[iocp.DirLastAccessTime:], uint64(rec.accessTime))
	le.PutUint64(r[iocp.DirLastWriteTime:], uint64(rec.writeTime))
	le.PutUint64(r[iocp.DirEndOfFile:], uint64(rec.size))
	le.PutUint32(r[iocp.DirFileAttributes:], rec.attrs)
	le.PutUint32(r[iocp.DirFileNameLength:], uint32(2*len(rec.name)))
	le.PutUint32(r[iocp.DirEaSize:], rec.eaSize)
	for i, c := range rec.name {
		le.PutUint16(r[iocp.DirFileName+2*i:], c)
	}
	for len(r)%iocp.DirAlign != 0 {
		r = append(r, 0)
	}
	return append(buf, r...)
}

func setNext(buf []byte, at, next int) {
	binary.LittleEndian.PutUint32(buf[at+iocp.DirNextEntryOffset:], uint32(next))
}

func TestParseFullDirInfo(t *testing.T) {
	recs := []fullDirInfo{
		{name: utf16.Encode([]rune(".")), attrs: 0x10},
		{name: utf16.Encode([]rune("héllo, 世界 🙂")), attrs: 0x20, creationTime: 1, accessTime: 2, writeTime: 3, size: 1 << 40},
		{name: utf16.Encode([]rune("link")), attrs: 0x400, eaSize: 0xA000000C, size: -1},
		{name: []uint16{0xD800, 'x'}}, // an unpaired surrogate, which NTFS allows
	}
	var buf []byte
	var starts []int
	for i, r := range recs {
		starts = append(starts, len(buf))
		buf = appendFullDirInfo(buf, r)
		if i > 0 {
			setNext(buf, starts[i-1], starts[i]-starts[i-1])
		}
	}
	var name []uint16
	off := 0
	for i, want := range recs {
		got, next, err := parseFullDirInfo(buf[off:], name)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		name = got.name
		if !slices.Equal(got.name, want.name) {
			t.Errorf("record %d: name %x, want %x", i, got.name, want.name)
		}
		got.name, want.name = nil, nil
		if !reflect.DeepEqual(got, want) {
			t.Errorf("record %d: %+v, want %+v", i, got, want)
		}
		if last := i == len(recs)-1; last != (next == 0) {
			t.Fatalf("record %d: next %d", i, next)
		}
		off += next
	}

	for _, c := range []struct {
		why string
		buf []byte
	}{
		{"header", buf[:iocp.DirFileName-1]},
		{"runs past the end", buf[:iocp.DirFileName+1]},
		{"odd", func() []byte {
			b := slices.Clone(buf)
			binary.LittleEndian.PutUint32(b[iocp.DirFileNameLength:], 3)
			return b
		}()},
		{"overlaps", func() []byte {
			b := slices.Clone(buf)
			setNext(b, 0, iocp.DirFileName)
			return b
		}()},
		{"NextEntryOffset", func() []byte {
			b := slices.Clone(buf)
			setNext(b, 0, len(b))
			return b
		}()},
	} {
		if _, _, err := parseFullDirInfo(c.buf, nil); err == nil || !strings.Contains(err.Error(), c.why) {
			t.Errorf("malformed (%s): %v", c.why, err)
		}
	}
}

// FuzzParseFullDirInfo walks any buffer as ReadDir does: it never panics, never reads out of
// bounds, and always moves forward.
func FuzzParseFullDirInfo(f *testing.F) {
	one := appendFullDirInfo(nil, fullDirInfo{name: utf16.Encode([]rune("name")), attrs: 0x20, size: 7})
	two := appendFullDirInfo(slices.Clone(one), fullDirInfo{name: utf16.Encode([]rune("other"))})
	setNext(two, 0, len(one))
	f.Add(one)
	f.Add(two)
	f.Add([]byte{})
	f.Add(make([]byte, iocp.DirFileName))
	f.Fuzz(func(t *testing.T, buf []byte) {
		var name []uint16
		for off := 0; off < len(buf); {
			rec, next, err := parseFullDirInfo(buf[off:], name)
			if err != nil {
				return
			}
			if 2*len(rec.name) > len(buf)-off-iocp.DirFileName {
				t.Fatalf("name of %d units from %d bytes", len(rec.name), len(buf)-off)
			}
			name = rec.name
			if next == 0 {
				return
			}
			if next <= 0 || off+next >= len(buf) {
				t.Fatalf("next %d at %d of %d", next, off, len(buf))
			}
			off += next
		}
	})
}
