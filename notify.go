package ovio

import (
	"encoding/binary"
	"strconv"
	"unicode/utf16"

	"github.com/ovio/ovio/internal/iocp"
)

// FileNotifyInformation is one change ReadDirectoryChanges reported: what happened to which file.
// It is the parsed form of a FILE_NOTIFY_INFORMATION record.
type FileNotifyInformation struct {
	// Action is a FILE_ACTION_* value of golang.org/x/sys/windows: FILE_ACTION_ADDED,
	// FILE_ACTION_REMOVED, FILE_ACTION_MODIFIED, FILE_ACTION_RENAMED_OLD_NAME or
	// FILE_ACTION_RENAMED_NEW_NAME.
	Action uint32
	// Name is the file's path relative to the watched directory, with backslashes between the
	// elements of a subtree's paths. UTF-16 that is not valid (an unpaired surrogate, which NTFS
	// allows in names) is decoded as U+FFFD.
	Name string
}

// ParseFileNotifyInformation parses the FILE_NOTIFY_INFORMATION records that ReadDirectoryChanges
// wrote into buf: pass buf[:n], n being the op's result. An empty buf holds no record.
//
// It checks every offset and length against buf and never panics: a malformed buffer gives the
// records before the first bad one and an error saying where and why. It works on every platform,
// so that records read on Windows can be parsed anywhere.
func ParseFileNotifyInformation(buf []byte) ([]FileNotifyInformation, error) {
	var recs []FileNotifyInformation
	var name []uint16
	for off := 0; off < len(buf); {
		rest := buf[off:]
		if len(rest) < iocp.NotifyFileName {
			return recs, notifyError(off, "a record header needs 12 bytes, "+strconv.Itoa(len(rest))+" are left")
		}
		next := binary.LittleEndian.Uint32(rest[iocp.NotifyNextEntryOffset:])
		action := binary.LittleEndian.Uint32(rest[iocp.NotifyAction:])
		size := binary.LittleEndian.Uint32(rest[iocp.NotifyFileNameLength:])
		if size%2 != 0 {
			return recs, notifyError(off, "odd FileNameLength "+strconv.FormatUint(uint64(size), 10))
		}
		if uint64(size) > uint64(len(rest)-iocp.NotifyFileName) {
			return recs, notifyError(off, "FileNameLength "+strconv.FormatUint(uint64(size), 10)+" runs past the end of the buffer")
		}
		if next != 0 {
			if next%iocp.NotifyAlign != 0 {
				return recs, notifyError(off, "NextEntryOffset "+strconv.FormatUint(uint64(next), 10)+" is not a multiple of 4")
			}
			if uint64(next) < uint64(iocp.NotifyFileName)+uint64(size) {
				return recs, notifyError(off, "NextEntryOffset "+strconv.FormatUint(uint64(next), 10)+" overlaps the record")
			}
			if uint64(next) >= uint64(len(rest)) {
				return recs, notifyError(off, "NextEntryOffset "+strconv.FormatUint(uint64(next), 10)+" runs past the end of the buffer")
			}
		}
		raw := rest[iocp.NotifyFileName : iocp.NotifyFileName+int(size)]
		name = name[:0]
		for i := 0; i < len(raw); i += 2 {
			name = append(name, binary.LittleEndian.Uint16(raw[i:]))
		}
		recs = append(recs, FileNotifyInformation{Action: action, Name: string(utf16.Decode(name))})
		if next == 0 {
			break
		}
		off += int(next)
	}
	return recs, nil
}

func notifyError(off int, why string) error {
	return argError("ovio: FILE_NOTIFY_INFORMATION at offset " + strconv.Itoa(off) + ": " + why)
}
