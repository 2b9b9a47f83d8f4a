package ovio

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"reflect"
	"testing"
	"unicode/utf16"
)

// encodeNotify builds FILE_NOTIFY_INFORMATION records as ReadDirectoryChangesW writes them: each
// record DWORD-aligned, NextEntryOffset 0 in the last.
func encodeNotify(recs []FileNotifyInformation) []byte {
	var buf []byte
	for i, r := range recs {
		start := len(buf)
		name := utf16.Encode([]rune(r.Name))
		buf = binary.LittleEndian.AppendUint32(buf, 0)
		buf = binary.LittleEndian.AppendUint32(buf, r.Action)
		buf = binary.LittleEndian.AppendUint32(buf, uint32(2*len(name)))
		for _, c := range name {
			buf = binary.LittleEndian.AppendUint16(buf, c)
		}
		if i < len(recs)-1 {
			for len(buf)%4 != 0 {
				buf = append(buf, 0)
			}
			binary.LittleEndian.PutUint32(buf[start:], uint32(len(buf)-start))
		}
	}
	return buf
}

func TestParseFileNotifyInformation(t *testing.T) {
	recs := []FileNotifyInformation{
		{Action: 1, Name: "new.txt"},
		{Action: 4, Name: `sub\old name`},
		{Action: 5, Name: "ünïcødé 😀"},
		{Action: 3, Name: ""},
	}
	got, err := ParseFileNotifyInformation(encodeNotify(recs))
	if err != nil || !reflect.DeepEqual(got, recs) {
		t.Fatalf("round trip: %+v, %v; want %+v", got, err, recs)
	}
	if got, err := ParseFileNotifyInformation(nil); got != nil || err != nil {
		t.Errorf("empty buffer: %v, %v", got, err)
	}
	// Bytes copied from a record Wine 8 wrote for a file created in the watched directory.
	wine := []byte{0, 0, 0, 0, 1, 0, 0, 0, 0xe, 0, 0, 0, 'n', 0, 'e', 0, 'w', 0, '.', 0, 't', 0, 'x', 0, 't', 0}
	if got, err := ParseFileNotifyInformation(wine); err != nil || len(got) != 1 || got[0] != (FileNotifyInformation{1, "new.txt"}) {
		t.Errorf("Wine's record: %v, %v", got, err)
	}

	good := encodeNotify(recs[:2])
	for _, c := range []struct {
		name string
		buf  []byte
		keep int // records parsed before the error
	}{
		{"short header", good[:8], 0},
		{"name past the end", good[:20], 0},
		{"odd name length", patch(good, 8, 3), 0},
		{"huge name length", patch(good, 8, 0xfffffffe), 0},
		{"next past the end", patch(good, 0, 0x1000), 0},
		{"next overlaps", patch(good, 0, 12), 0},
		{"next unaligned", patch(good, 0, 33), 0},
		{"huge next", patch(good, 0, 0xfffffffc), 0},
		{"second record truncated", good[:len(good)-1], 1},
	} {
		got, err := ParseFileNotifyInformation(c.buf)
		if err == nil || len(got) != c.keep {
			t.Errorf("%s: %d records, %v; want %d records and an error", c.name, len(got), err, c.keep)
		}
		if !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("%s: %v does not match fs.ErrInvalid", c.name, err)
		}
	}
}

func patch(b []byte, off int, v uint32) []byte {
	b = append([]byte(nil), b...)
	binary.LittleEndian.PutUint32(b[off:], v)
	return b
}

func FuzzParseFileNotifyInformation(f *testing.F) {
	f.Add(encodeNotify([]FileNotifyInformation{{1, "a"}, {2, "bc"}, {5, `x\y`}}))
	f.Add(encodeNotify([]FileNotifyInformation{{3, "😀"}}))
	f.Add([]byte{})
	f.Add(patch(encodeNotify([]FileNotifyInformation{{1, "a"}, {2, "b"}}), 0, 4))
	f.Fuzz(func(t *testing.T, buf []byte) {
		recs, err := ParseFileNotifyInformation(buf)
		if len(recs) > len(buf)/12 {
			t.Fatalf("%d records from %d bytes", len(recs), len(buf))
		}
		if err == nil && len(recs) > 0 {
			// What parsed cleanly re-encodes to a buffer that parses to the same records.
			again, err := ParseFileNotifyInformation(encodeNotify(recs))
			if err != nil || len(again) != len(recs) {
				t.Fatalf("re-encoded records: %d, %v; want %d", len(again), err, len(recs))
			}
			for i := range recs {
				if again[i].Action != recs[i].Action {
					t.Fatalf("record %d: action %d, want %d", i, again[i].Action, recs[i].Action)
				}
			}
		}
	})
}
