package ovio_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/ovio/ovio"
)

// fileSizes are the sizes of the generated tree's files: around os.ReadFile's 512-byte minimum,
// a page, and large. fstest.TestFS reads every file a byte at a time, so the large ones are
// left out of its tree.
var fileSizes = []int{0, 1, 511, 512, 513, 4095, 4096, 4097, 20_000, 1<<20 + 3}

// makeTree writes a tree of directories, files of every size in fileSizes (up to maxSize), a
// directory of more entries than one getdents buffer holds, an empty directory and a symbolic
// link, and returns the names of its files.
func makeTree(t testing.TB, root string, maxSize int) []string {
	var files []string
	write := func(name string, size int) {
		b := make([]byte, size)
		for i := range b {
			b[i] = byte(i*31 + len(name))
		}
		full := filepath.Join(root, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, b, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, name)
	}
	for _, size := range fileSizes {
		if size > maxSize {
			continue
		}
		write(fmt.Sprintf("sizes/%d", size), size)
	}
	write("a/b/c/deep", 100)
	write("a/top", 10)
	for i := range 300 {
		write(fmt.Sprintf("many/entry-with-a-long-name-%04d", i), i%7)
	}
	os.MkdirAll(filepath.Join(root, "empty"), 0o755)
	// Wine 8's CreateSymbolicLinkW reports success and creates nothing: list the link only if
	// it is there.
	link := filepath.Join(root, "a", "link")
	if err := os.Symlink("b/c/deep", link); err == nil {
		if _, err := os.Lstat(link); err == nil {
			files = append(files, "a/link")
		}
	}
	return files
}

// TestDirFS runs testing/fstest's checks on DirFS, then compares it with os.DirFS file by file.
func TestDirFS(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *ovio.Engine) {
		root := t.TempDir()
		files := makeTree(t, root, 1<<15)
		fsys := e.DirFS(root)
		if err := fstest.TestFS(fsys, files...); err != nil {
			t.Fatal(err)
		}
		ofs := os.DirFS(root)
		err := fs.WalkDir(ofs, ".", func(name string, want fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			gotEnts, gerr := fs.ReadDir(fsys, name)
			wantEnts, werr := fs.ReadDir(ofs, name)
			sameErr(t, "ReadDir "+name, gerr, werr, "", "")
			if len(gotEnts) != len(wantEnts) {
				t.Fatalf("ReadDir %s: %d entries, os has %d", name, len(gotEnts), len(wantEnts))
			}
			for i := range gotEnts {
				g, w := gotEnts[i], wantEnts[i]
				if g.Name() != w.Name() || g.Type() != w.Type() || g.IsDir() != w.IsDir() {
					t.Errorf("ReadDir %s [%d]: %v, os has %v", name, i, g, w)
				}
			}
			gfi, gerr := fs.Stat(fsys, name)
			wfi, werr := fs.Stat(ofs, name)
			sameErr(t, "Stat "+name, gerr, werr, "", "")
			if gerr == nil && werr == nil {
				sameInfo(t, "Stat "+name, gfi, wfi)
			}
			gfi, gerr = fs.Lstat(fsys, name)
			wfi, werr = fs.Lstat(ofs, name)
			sameErr(t, "Lstat "+name, gerr, werr, "", "")
			if gerr == nil && werr == nil {
				sameInfo(t, "Lstat "+name, gfi, wfi)
			}
			if !want.IsDir() {
				got, gerr := fs.ReadFile(fsys, name)
				wantb, werr := fs.ReadFile(ofs, name)
				sameErr(t, "ReadFile "+name, gerr, werr, "", "")
				if !bytes.Equal(got, wantb) {
					t.Errorf("ReadFile %s: %d bytes, os reads %d", name, len(got), len(wantb))
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestDirFSOnItsEngine checks that DirFS's Open, ReadFile and Stat run on its engine, not on
// os: once the engine is closed, they fail with ErrClosed, naming the file, where os would
// succeed (or, for Stat of a missing name, say it is missing). Stat answers a name whose lookup
// is cached without the engine (see DirFS), but not a missing one: that is a statx op. On other
// systems Stat is os's, as DirFS says.
func TestDirFSOnItsEngine(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *ovio.Engine) {
		root := t.TempDir()
		if err := os.WriteFile(filepath.Join(root, "file"), []byte("contents"), 0o644); err != nil {
			t.Fatal(err)
		}
		fsys := e.DirFS(root)
		// Open, they work.
		if b, err := fs.ReadFile(fsys, "file"); err != nil || string(b) != "contents" {
			t.Fatalf("ReadFile: %q, %v", b, err)
		}
		f, err := fsys.Open("file")
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		if _, err := fs.Stat(fsys, "missing"); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("Stat of a missing file: %v", err)
		}

		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
		closed := func(what, name string, err error) {
			t.Helper()
			var pe *fs.PathError
			if !errors.Is(err, ovio.ErrClosed) || !errors.As(err, &pe) || pe.Path != name {
				t.Errorf("%s %s on a closed engine: %v, want a *fs.PathError naming it, with ErrClosed", what, name, err)
			}
		}
		f, err = fsys.Open("file")
		if err == nil {
			f.Close()
		}
		closed("Open", "file", err)
		_, err = fs.ReadFile(fsys, "file")
		closed("ReadFile", "file", err)
		if runtime.GOOS == "linux" {
			_, err = fs.Stat(fsys, "missing")
			closed("Stat", "missing", err)
		}
	})
}

// TestDirFSErrors puts the same names to os.DirFS and to DirFS and compares the errors.
func TestDirFSErrors(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *ovio.Engine) {
		root := t.TempDir()
		makeTree(t, root, 1<<30)
		os.Symlink("missing", filepath.Join(root, "dangling"))
		names := []string{
			"", ".", "/", "/abs", "../x", "a/../a", "a//b", "a/", "./a", "x\x00y", `a\b`,
			"missing", "missing/child", "a/top/child", "a", "a/top", "a/link", "dangling", "empty",
			"sizes/4096", "many",
			// Valid fs paths that are not local names on Windows: a volume, a colon, reserved
			// device names.
			"c:x", "a:b", "NUL", "a/COM1.txt", "a/nul",
		}
		for _, r := range []string{root, root + string(os.PathSeparator), "", filepath.Join(root, "missing")} {
			g, w := e.DirFS(r), os.DirFS(r)
			for _, name := range names {
				what := func(call string) string { return fmt.Sprintf("DirFS(%q).%s(%q)", r, call, name) }
				gf, gerr := g.Open(name)
				wf, werr := w.Open(name)
				sameErr(t, what("Open"), gerr, werr, "", "")
				if gf != nil {
					// Reading a directory as a file, or a file as a directory.
					_, gerr := gf.Read(make([]byte, 8))
					_, werr := wf.Read(make([]byte, 8))
					sameErr(t, what("Open+Read"), gerr, werr, "", "")
					if gd, ok := gf.(fs.ReadDirFile); ok {
						_, gerr := gd.ReadDir(-1)
						_, werr := wf.(fs.ReadDirFile).ReadDir(-1)
						sameErr(t, what("Open+ReadDir"), gerr, werr, "", "")
					}
					gf.Close()
					wf.Close()
				}
				gb, gerr := g.(fs.ReadFileFS).ReadFile(name)
				wb, werr := w.(fs.ReadFileFS).ReadFile(name)
				sameErr(t, what("ReadFile"), gerr, werr, "", "")
				if !bytes.Equal(gb, wb) {
					t.Errorf("%s: %d bytes, os reads %d", what("ReadFile"), len(gb), len(wb))
				}
				gents, gerr := g.(fs.ReadDirFS).ReadDir(name)
				wents, werr := w.(fs.ReadDirFS).ReadDir(name)
				sameErr(t, what("ReadDir"), gerr, werr, "", "")
				if len(gents) != len(wents) {
					t.Errorf("%s: %d entries, os has %d", what("ReadDir"), len(gents), len(wents))
				}
				_, gerr = g.(fs.StatFS).Stat(name)
				_, werr = w.(fs.StatFS).Stat(name)
				sameErr(t, what("Stat"), gerr, werr, "", "")
				_, gerr = g.(fs.ReadLinkFS).Lstat(name)
				_, werr = w.(fs.ReadLinkFS).Lstat(name)
				sameErr(t, what("Lstat"), gerr, werr, "", "")
				gl, gerr := g.(fs.ReadLinkFS).ReadLink(name)
				wl, werr := w.(fs.ReadLinkFS).ReadLink(name)
				sameErr(t, what("ReadLink"), gerr, werr, "", "")
				if gl != wl {
					t.Errorf("%s: %q, os has %q", what("ReadLink"), gl, wl)
				}
			}
		}
	})
}

// TestDirFSReadFileConcurrent reads every file of a tree from many goroutines at once.
func TestDirFSReadFileConcurrent(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *ovio.Engine) {
		root := t.TempDir()
		files := makeTree(t, root, 1<<30)
		fsys := e.DirFS(root).(fs.ReadFileFS)
		var wg sync.WaitGroup
		for g := range 32 {
			wg.Go(func() {
				for i := range files {
					name := files[(i+g*17)%len(files)]
					got, err := fsys.ReadFile(name)
					want, _ := os.ReadFile(filepath.Join(root, name))
					if err != nil || !bytes.Equal(got, want) {
						t.Errorf("ReadFile %s: %d bytes, %v; want %d", name, len(got), err, len(want))
						return
					}
				}
			})
		}
		wg.Wait()
	})
}

// TestFileReadDir reads a directory in pieces beside os, restarts it with Seek, and reads the
// entries' Info.
func TestFileReadDir(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *ovio.Engine) {
		root := t.TempDir()
		makeTree(t, root, 1<<30)
		dir := filepath.Join(root, "many")
		f, err := e.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		of, _ := os.Open(dir)
		defer of.Close()
		names := func(ents []fs.DirEntry) []string {
			var s []string
			for _, e := range ents {
				s = append(s, e.Name())
			}
			return s
		}
		for round := range 2 {
			var got, want []string
			for {
				ents, err := f.ReadDir(7)
				oents, oerr := of.ReadDir(7)
				sameErr(t, "ReadDir(7)", err, oerr, "", "")
				if len(ents) != len(oents) || (err == nil && len(ents) == 0) {
					t.Fatalf("ReadDir(7): %d entries, os has %d", len(ents), len(oents))
				}
				got, want = append(got, names(ents)...), append(want, names(oents)...)
				for _, ent := range ents {
					fi, err := ent.Info()
					ofi, oerr := os.Lstat(filepath.Join(dir, ent.Name()))
					if err != nil || oerr != nil {
						t.Fatalf("Info: %v, %v", err, oerr)
					}
					sameInfo(t, "Info", fi, ofi)
					if s := fmt.Sprint(ent); s != fs.FormatDirEntry(ent) {
						t.Errorf("String: %q", s)
					}
				}
				if err == io.EOF {
					break
				}
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) || len(got) != 300 {
				t.Fatalf("round %d: %d names, os has %d", round, len(got), len(want))
			}
			// All of them, then nothing: nil, not io.EOF.
			if ents, err := f.ReadDir(-1); len(ents) != 0 || err != nil {
				t.Fatalf("ReadDir(-1) at the end: %d, %v", len(ents), err)
			}
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			of.Seek(0, io.SeekStart)
		}
		if ents, err := f.ReadDir(0); len(ents) != 300 || err != nil {
			t.Fatalf("ReadDir(0): %d, %v", len(ents), err)
		}
		// Asking where a directory read is does not restart it (and drops the entries read
		// ahead, as with os).
		f.Seek(0, io.SeekStart)
		of.Seek(0, io.SeekStart)
		first, _ := f.ReadDir(5)
		of.ReadDir(5)
		pos, err := f.Seek(0, io.SeekCurrent)
		opos, oerr := of.Seek(0, io.SeekCurrent)
		sameErr(t, "Seek(0, io.SeekCurrent) of a directory", err, oerr, "", "")
		// On Windows os's Seek of a directory restarts its listing whatever the whence, and
		// reports the handle's own offset, which listing does not move: 0 here, and all 300
		// entries to read again.
		if pos != opos || (dirReadMovesOffset && pos == 0) {
			t.Errorf("Seek(0, io.SeekCurrent) of a directory: %d, os has %d", pos, opos)
		}
		rest, err := f.ReadDir(-1)
		orest, _ := of.ReadDir(-1)
		if err != nil || len(rest) != len(orest) || (dirReadMovesOffset && len(first)+len(rest) >= 300) {
			t.Errorf("ReadDir after Seek(0, io.SeekCurrent): %d + %d entries, %v; os has %d more", len(first), len(rest), err, len(orest))
		}
		f.Close()
		if ents, err := f.ReadDir(-1); ents == nil || !isClosedErr(err, readDirOp, dir) {
			t.Fatalf("ReadDir after Close: %v, %v", ents, err)
		}
	})
}

// isClosedErr reports whether err is the error of op on a closed file. os's ReadDir on a closed
// file has an Err of its own ("use of closed file", internal/poll's ErrFileClosing; on Windows the
// error of GetFileInformationByHandleEx on an invalid handle); File's is fs.ErrClosed, as every
// other call's, named as os names ReadDir's errors on the platform (readDirOp).
func isClosedErr(err error, op, path string) bool {
	pe, ok := err.(*fs.PathError)
	return ok && pe.Op == op && pe.Path == path && pe.Err == fs.ErrClosed
}
