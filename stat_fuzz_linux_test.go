package ovio

import (
	"io/fs"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// FuzzStatx decodes any statx result as Stat does (statxToStat, then fill) and checks it against
// what fstat(2) and os would report: every field carried over, device numbers that decode back
// to the kernel's major and minor, and the fs.FileMode os derives from st_mode.
func FuzzStatx(f *testing.F) {
	f.Add(uint16(unix.S_IFREG|0o644), uint32(8), uint32(1), uint32(0), uint32(0), int64(4096), int64(1700000000), uint32(5))
	f.Add(uint16(unix.S_IFCHR|unix.S_ISUID|0o620), uint32(0), uint32(5), uint32(136), uint32(3), int64(0), int64(-1), uint32(999999999))
	f.Add(uint16(unix.S_IFDIR|unix.S_ISVTX|unix.S_ISGID|0o1777), uint32(0xfffff), uint32(0xffffffff), uint32(4095), uint32(0x100), int64(-1), int64(1<<40), uint32(0))
	f.Fuzz(func(t *testing.T, mode uint16, devMajor, devMinor, rdevMajor, rdevMinor uint32, size, mtime int64, nsec uint32) {
		sx := unix.Statx_t{
			Mode: mode, Dev_major: devMajor, Dev_minor: devMinor, Rdev_major: rdevMajor, Rdev_minor: rdevMinor,
			Size: uint64(size), Ino: uint64(size) ^ 0x5555, Nlink: nsec, Uid: devMajor, Gid: devMinor,
			Blksize: rdevMajor, Blocks: uint64(mtime),
			Mtime: unix.StatxTimestamp{Sec: mtime, Nsec: nsec},
			Atime: unix.StatxTimestamp{Sec: mtime + 1, Nsec: nsec / 2},
			Ctime: unix.StatxTimestamp{Sec: mtime - 1, Nsec: nsec / 3},
		}
		var s fileStat
		statxToStat(&sx, &s.sys)
		s.fill("dir/name")
		st := &s.sys

		if unix.Major(uint64(st.Dev)) != devMajor || unix.Minor(uint64(st.Dev)) != devMinor {
			t.Errorf("st_dev %#x decodes to %d:%d, want %d:%d", st.Dev, unix.Major(uint64(st.Dev)), unix.Minor(uint64(st.Dev)), devMajor, devMinor)
		}
		if unix.Major(uint64(st.Rdev)) != rdevMajor || unix.Minor(uint64(st.Rdev)) != rdevMinor {
			t.Errorf("st_rdev %#x decodes to %d:%d, want %d:%d", st.Rdev, unix.Major(uint64(st.Rdev)), unix.Minor(uint64(st.Rdev)), rdevMajor, rdevMinor)
		}
		if uint64(st.Ino) != sx.Ino || uint64(st.Nlink) != uint64(sx.Nlink) || st.Uid != sx.Uid || st.Gid != sx.Gid ||
			uint64(st.Blksize) != uint64(sx.Blksize) || uint64(st.Blocks) != sx.Blocks || uint32(st.Mode) != uint32(mode) {
			t.Errorf("fields lost: statx %+v, stat %+v", sx, *st)
		}
		for _, c := range []struct {
			name string
			got  syscall.Timespec
			want unix.StatxTimestamp
		}{{"atime", st.Atim, sx.Atime}, {"mtime", st.Mtim, sx.Mtime}, {"ctime", st.Ctim, sx.Ctime}} {
			if int64(c.got.Sec) != c.want.Sec || int64(c.got.Nsec) != int64(c.want.Nsec) {
				t.Errorf("%s %v, want %v", c.name, c.got, c.want)
			}
		}

		if s.Name() != "name" || s.Size() != size || s.Sys() != st {
			t.Errorf("Name %q Size %d Sys %p, want name %d %p", s.Name(), s.Size(), s.Sys(), size, st)
		}
		if !s.ModTime().Equal(time.Unix(mtime, int64(nsec))) {
			t.Errorf("ModTime %v, want %v", s.ModTime(), time.Unix(mtime, int64(nsec)))
		}
		// What os's fillFileStatFromSys gives, written out as a table.
		m := s.Mode()
		if m.Perm() != fs.FileMode(mode&0o777) {
			t.Errorf("mode %#o: Perm %v", mode, m.Perm())
		}
		types := map[uint16]fs.FileMode{
			unix.S_IFBLK: fs.ModeDevice, unix.S_IFCHR: fs.ModeDevice | fs.ModeCharDevice,
			unix.S_IFDIR: fs.ModeDir, unix.S_IFIFO: fs.ModeNamedPipe, unix.S_IFLNK: fs.ModeSymlink,
			unix.S_IFSOCK: fs.ModeSocket,
		}
		if want := types[mode&unix.S_IFMT]; m.Type() != want {
			t.Errorf("mode %#o: type %v, want %v", mode, m.Type(), want)
		}
		if m.IsDir() != (mode&unix.S_IFMT == unix.S_IFDIR) || s.IsDir() != m.IsDir() {
			t.Errorf("mode %#o: IsDir %v", mode, m.IsDir())
		}
		for bit, fm := range map[uint16]fs.FileMode{unix.S_ISUID: fs.ModeSetuid, unix.S_ISGID: fs.ModeSetgid, unix.S_ISVTX: fs.ModeSticky} {
			if (mode&bit != 0) != (m&fm != 0) {
				t.Errorf("mode %#o: %v", mode, m)
			}
		}
		if rest := m &^ (fs.ModePerm | fs.ModeType | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky); rest != 0 {
			t.Errorf("mode %#o: stray bits %v", mode, rest)
		}
	})
}
