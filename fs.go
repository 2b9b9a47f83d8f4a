package ovio

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// DirFS returns a file system for the tree of files rooted at the directory root, whose I/O runs
// on the default engine. It behaves as os.DirFS does, errors included, and implements the same
// interfaces: fs.StatFS, fs.ReadFileFS, fs.ReadDirFS and fs.ReadLinkFS. Open returns a *File.
//
// Where a disk could make it wait, it waits in a goroutine, not in an OS thread. On Linux, Open
// and ReadFile open with an openat op, read with read ops (a small file's whole content and the
// check for its end in one submission) and close with a close op, so that many goroutines reading
// many small files spend no OS thread per file. Stat and Lstat look the path up only if that needs
// no I/O (openat2's RESOLVE_CACHED) and otherwise run a statx op; the status of an open descriptor
// is fstat(2), as os has it. ReadDir is getdents(2) on the calling thread: io_uring has no op for
// it.
//
// Like os.DirFS, it does not confine the names it opens to the tree: a symbolic link inside it
// may lead out of it.
func DirFS(root string) fs.FS {
	e, err := Default()
	return &dirFS{e: e, err: err, root: root}
}

// DirFS returns a file system for the tree of files rooted at the directory root, whose I/O runs
// on e, as the package's DirFS does on the default engine.
func (e *Engine) DirFS(root string) fs.FS { return &dirFS{e: e, root: root} }

type dirFS struct {
	e    *Engine
	err  error // why there is no engine
	root string
}

var (
	_ fs.StatFS     = (*dirFS)(nil)
	_ fs.ReadFileFS = (*dirFS)(nil)
	_ fs.ReadDirFS  = (*dirFS)(nil)
	_ fs.ReadLinkFS = (*dirFS)(nil)
)

var errEmptyRoot = errors.New("os: DirFS with empty root") // os's message

// join returns the path of name under the root, as os.DirFS does: name must be valid for
// fs.ValidPath and for this system (filepath.Localize).
func (fsys *dirFS) join(name string) (string, error) {
	if fsys.root == "" {
		return "", errEmptyRoot
	}
	if fsys.e == nil {
		return "", fsys.err
	}
	local, err := filepath.Localize(name)
	if err != nil {
		return "", fs.ErrInvalid
	}
	if os.IsPathSeparator(fsys.root[len(fsys.root)-1]) {
		return fsys.root + local, nil
	}
	return fsys.root + string(os.PathSeparator) + local, nil
}

// rename gives a PathError the name the caller used: errors name the joined path, which mixes
// this system's separators with the slash-separated name.
func rename(err error, name string) error {
	if pe, ok := err.(*fs.PathError); ok {
		pe.Path = name
	}
	return err
}

// Open opens the named file for reading, as a *File.
func (fsys *dirFS) Open(name string) (fs.File, error) {
	full, err := fsys.join(name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	f, err := fsys.e.OpenFile(full, os.O_RDONLY, 0)
	if err != nil {
		return nil, rename(err, name)
	}
	return f, nil
}

// ReadFile reads the named file, as os.ReadFile does.
func (fsys *dirFS) ReadFile(name string) ([]byte, error) {
	full, err := fsys.join(name)
	if err != nil {
		return nil, &fs.PathError{Op: "readfile", Path: name, Err: err}
	}
	b, err := fsys.e.readFile(full)
	if err != nil {
		return nil, rename(err, name)
	}
	return b, nil
}

// ReadDir reads the named directory and returns its entries sorted by name, as os.ReadDir does.
func (fsys *dirFS) ReadDir(name string) ([]fs.DirEntry, error) {
	full, err := fsys.join(name)
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	f, err := fsys.e.OpenFile(full, os.O_RDONLY|oDirectory, 0)
	if err != nil {
		return nil, rename(err, name)
	}
	defer f.Close()
	ents, err := f.ReadDir(-1)
	slices.SortFunc(ents, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return ents, rename(err, name)
}

// Stat returns the named file's FileInfo, as os.Stat does.
func (fsys *dirFS) Stat(name string) (fs.FileInfo, error) {
	full, err := fsys.join(name)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	fi, err := statPath(fsys.e, full, false)
	if err != nil {
		return nil, rename(err, name)
	}
	return fi, nil
}

// Lstat returns the named file's FileInfo without following a final symbolic link, as os.Lstat
// does.
func (fsys *dirFS) Lstat(name string) (fs.FileInfo, error) {
	full, err := fsys.join(name)
	if err != nil {
		return nil, &fs.PathError{Op: "lstat", Path: name, Err: err}
	}
	fi, err := statPath(fsys.e, full, true)
	if err != nil {
		return nil, rename(err, name)
	}
	return fi, nil
}

// ReadLink returns the destination of the named symbolic link, as os.DirFS does (with
// os.Readlink: no engine has an op for it).
func (fsys *dirFS) ReadLink(name string) (string, error) {
	full, err := fsys.join(name)
	if err != nil {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: err}
	}
	return os.Readlink(full)
}
