package ovio

import (
	"encoding/binary"
	"errors"
	"strconv"

	"github.com/ovio/ovio/internal/iocp"
)

// fullDirInfo is one FILE_FULL_DIR_INFORMATION record, what NtQueryDirectoryFile writes for ReadDir
// on Windows. It is parsed here, in a file for every platform, so that the parser is tested and
// fuzzed natively.
type fullDirInfo struct {
	name         []uint16 // the entry's name, UTF-16, in the caller's scratch
	attrs        uint32
	creationTime int64 // FILETIMEs: 100-ns intervals since 1601
	accessTime   int64
	writeTime    int64
	size         int64  // EndOfFile
	eaSize       uint32 // the reparse tag, for a reparse point
}

// parseFullDirInfo parses the record at the start of buf, decoding its name into name[:0], and
// returns it with the offset of the next record from buf's start: 0 for the last one. It checks
// every offset and length against buf and never panics.
func parseFullDirInfo(buf []byte, name []uint16) (rec fullDirInfo, next int, err error) {
	if len(buf) < iocp.DirFileName {
		return rec, 0, dirInfoError("a record header needs " + strconv.Itoa(iocp.DirFileName) + " bytes, " + strconv.Itoa(len(buf)) + " are left")
	}
	le := binary.LittleEndian
	off := le.Uint32(buf[iocp.DirNextEntryOffset:])
	size := le.Uint32(buf[iocp.DirFileNameLength:])
	if size%2 != 0 {
		return rec, 0, dirInfoError("odd FileNameLength " + strconv.FormatUint(uint64(size), 10))
	}
	if uint64(size) > uint64(len(buf)-iocp.DirFileName) {
		return rec, 0, dirInfoError("FileNameLength " + strconv.FormatUint(uint64(size), 10) + " runs past the end of the buffer")
	}
	if off != 0 {
		if uint64(off) < uint64(iocp.DirFileName)+uint64(size) {
			return rec, 0, dirInfoError("NextEntryOffset " + strconv.FormatUint(uint64(off), 10) + " overlaps the record")
		}
		if uint64(off) >= uint64(len(buf)) {
			return rec, 0, dirInfoError("NextEntryOffset " + strconv.FormatUint(uint64(off), 10) + " runs past the end of the buffer")
		}
	}
	raw := buf[iocp.DirFileName : iocp.DirFileName+int(size)]
	name = name[:0]
	for i := 0; i < len(raw); i += 2 {
		name = append(name, le.Uint16(raw[i:]))
	}
	rec = fullDirInfo{
		name:         name,
		attrs:        le.Uint32(buf[iocp.DirFileAttributes:]),
		creationTime: int64(le.Uint64(buf[iocp.DirCreationTime:])),
		accessTime:   int64(le.Uint64(buf[iocp.DirLastAccessTime:])),
		writeTime:    int64(le.Uint64(buf[iocp.DirLastWriteTime:])),
		size:         int64(le.Uint64(buf[iocp.DirEndOfFile:])),
		eaSize:       le.Uint32(buf[iocp.DirEaSize:]),
	}
	return rec, int(off), nil
}

func dirInfoError(why string) error {
	return errors.New("ovio: malformed FILE_FULL_DIR_INFORMATION: " + why)
}
