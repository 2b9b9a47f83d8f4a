package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ovio/ovio"
)

const cpUsage = `Usage: ovio cp [flags] SRC DST
       ovio cp [flags] SRC... DIR

Copies files, and with -r directory trees, through ovio's engine: each file
is read and written in -chunk pieces with up to -window of them in flight,
and -j files are copied at once. DST names the copy; if DST is an existing
directory, or there are several SRCs, each SRC is copied into it under its
own name. A directory copied onto an existing one is merged into it.

Each file is written under a temporary name in its destination directory
(.NAME.ovio-XXXXXXXX) and renamed to its own name only once complete: a file
is never half-written under its final name, and one of that name already
there is replaced at once. Permission bits are copied; owners, times and
holes are not. With -fsync, each file is flushed to stable storage before
its rename and each directory that changed after it.

Symbolic links: a SRC named on the command line is followed, as by cp; a link
inside a tree copied with -r is copied as a link with the same target, never
followed (so a tree cannot loop, nor pull in files from outside itself).
Devices, FIFOs and sockets are refused.

A failure is reported naming the file, and the copy goes on with the rest;
the exit status is then 1. Ctrl-C cancels the ops in flight, removes the
temporary files, prints what was copied, and exits with status 130 (the
directories created so far stay). A progress bar shows on stderr when it is
a terminal.
`

// cpOpts are ovio cp's flags.
type cpOpts struct {
	recursive bool
	fsync     bool
	chunk     int64
	window    int
	jobs      int
	limit     int64
	engine    string
	verbose   bool
}

func runCp(ctx context.Context, c *cli, args []string) error {
	o := &cpOpts{chunk: 1 << 20}
	flags := c.newFlags("cp", cpUsage)
	flags.BoolVar(&o.recursive, "r", false, "copy directories and the trees below them")
	flags.BoolVar(&o.fsync, "fsync", false, "flush each file, and each directory changed, to stable storage")
	flags.Var(sizeFlag{&o.chunk}, "chunk", "the size of each read and write")
	flags.IntVar(&o.window, "window", 16, "chunks of a file in flight at once")
	flags.IntVar(&o.jobs, "j", 4, "files copied at once")
	flags.Var(sizeFlag{&o.limit}, "limit", "at most this many bytes per second, e.g. 50M (default: no limit)")
	flags.StringVar(&o.engine, "engine", "", "ovio's engine: "+strings.Join(engineNames(), ", ")+" (default: ovio's choice)")
	flags.BoolVar(&o.verbose, "v", false, "print each file as it is copied")
	if err := flags.parse(args); err != nil {
		return err
	}
	switch {
	case flags.NArg() < 2:
		return usagef("cp", "want a source and a destination")
	case o.chunk < 1 || o.chunk > 1<<30:
		return usagef("cp", "-chunk must be from 1 byte to 1G")
	case o.window < 1:
		return usagef("cp", "-window must be at least 1")
	case o.jobs < 1:
		return usagef("cp", "-j must be at least 1")
	}
	if err := checkEngine("cp", o.engine); err != nil {
		return err
	}
	e, err := openEngine(o.engine, false)
	if err != nil {
		return fmt.Errorf("open engine: %w", err)
	}
	defer e.Close()

	cp := &copier{c: c, o: o, e: e, prog: newProgress(c.stderrFile, c.stderr)}
	if o.limit > 0 {
		cp.limit = &limiter{rate: float64(o.limit)}
	}
	srcs, dst := flags.Args()[:flags.NArg()-1], flags.Arg(flags.NArg()-1)
	return cp.run(ctx, srcs, dst)
}

// copier copies: first it walks the sources, making directories and listing the files and links,
// then it copies those, -j at once.
type copier struct {
	c     *cli
	o     *cpOpts
	e     *ovio.Engine
	prog  *progress
	limit *limiter

	tasks   []cpTask
	total   atomic.Int64 // bytes of the files: their size when listed, and what they grew by as copied
	dirs    []cpDir
	touched map[string]bool // directories whose entries changed, for -fsync

	mu      sync.Mutex // guards touched during the copy, and the output
	done    atomic.Int64
	copied  atomic.Int64 // files and links
	failed  atomic.Int64
	started time.Time
}

// cpTask is a file or a link to copy.
type cpTask struct {
	src, dst string
	info     fs.FileInfo // the source's, followed for a SRC named on the command line
}

// cpDir is a directory the copy created, whose permissions are set once its contents are in.
type cpDir struct {
	path string
	perm fs.FileMode
}

func (cp *copier) fail(err error) {
	cp.failed.Add(1)
	cp.prog.println(cp.c.stderr, "ovio cp: "+err.Error())
}

func (cp *copier) run(ctx context.Context, srcs []string, dst string) error {
	defer cp.prog.clear()
	cp.touched = map[string]bool{}
	dstInfo, dstErr := os.Stat(dst)
	intoDir := dstErr == nil && dstInfo.IsDir()
	if len(srcs) > 1 && !intoDir {
		if dstErr != nil && !errors.Is(dstErr, fs.ErrNotExist) {
			return dstErr
		}
		return &failedError{fmt.Sprintf("%s: not a directory, and there are %d sources to copy into it", dst, len(srcs))}
	}
	for _, src := range srcs {
		if ctx.Err() != nil {
			break
		}
		target := dst
		if intoDir {
			target = filepath.Join(dst, filepath.Base(filepath.Clean(src)))
		}
		cp.walkTop(src, target)
	}
	cp.started = time.Now()
	if ctx.Err() == nil {
		cp.copyAll(ctx)
	}
	// Directories get their permissions last, deepest first, so that a read-only one was still
	// writable while it was filled.
	for _, d := range slices.Backward(cp.dirs) {
		if err := os.Chmod(d.path, d.perm); err != nil {
			cp.fail(err)
		}
	}
	if cp.o.fsync && ctx.Err() == nil {
		cp.syncDirs()
	}
	cp.prog.clear()

	summary := fmt.Sprintf("copied %d of %d files (%s of %s)", cp.copied.Load(), len(cp.tasks),
		formatBytes(cp.done.Load()), formatBytes(cp.total.Load()))
	switch {
	case ctx.Err() != nil:
		fmt.Fprintf(cp.c.stderr, "ovio cp: %s\n", summary)
		return errInterrupted
	case cp.failed.Load() > 0:
		return &failedError{fmt.Sprintf("%d failed; %s", cp.failed.Load(), summary)}
	}
	if cp.prog.on {
		el := time.Since(cp.started).Seconds()
		fmt.Fprintf(cp.c.stderr, "ovio cp: %s in %.1fs, %s/s\n", summary, el, formatBytes(int64(float64(cp.done.Load())/max(el, 1e-3))))
	}
	return nil
}

// walkTop lists what copying the command-line source src to target takes, following src if it
// is a link.
func (cp *copier) walkTop(src, target string) {
	f, err := openToStat(src)
	if err != nil {
		cp.fail(err)
		return
	}
	fi, err := f.Stat()
	f.Close()
	if err != nil {
		cp.fail(err)
		return
	}
	if fi.IsDir() {
		if !cp.o.recursive {
			cp.fail(fmt.Errorf("%s: is a directory (not copied; -r copies trees)", src))
			return
		}
		if inside(target, src) {
			cp.fail(fmt.Errorf("%s: cannot copy a directory into itself, %s", src, target))
			return
		}
	}
	if ti, err := os.Stat(target); err == nil && os.SameFile(fi, ti) {
		cp.fail(fmt.Errorf("%s and %s are the same file", src, target))
		return
	}
	cp.walk(src, target, fi)
}

// inside reports whether path is dir or below it, once both are absolute and clean.
func inside(path, dir string) bool {
	p, err1 := filepath.Abs(path)
	d, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return false
	}
	if rp, err := filepath.EvalSymlinks(filepath.Dir(p)); err == nil {
		p = filepath.Join(rp, filepath.Base(p))
	}
	if rd, err := filepath.EvalSymlinks(d); err == nil {
		d = rd
	}
	return p == d || strings.HasPrefix(p, d+string(filepath.Separator))
}

// walk lists src, described by fi, for copying to dst; for a directory it makes dst and walks
// the entries.
func (cp *copier) walk(src, dst string, fi fs.FileInfo) {
	switch mode := fi.Mode(); {
	case mode.IsRegular():
		cp.tasks = append(cp.tasks, cpTask{src, dst, fi})
		cp.total.Add(fi.Size())
	case mode&fs.ModeSymlink != 0:
		cp.tasks = append(cp.tasks, cpTask{src, dst, fi})
	case mode.IsDir():
		// Made writable by us first; given its own permissions at the end.
		err := os.Mkdir(dst, 0o700)
		switch {
		case err == nil:
			cp.dirs = append(cp.dirs, cpDir{dst, mode.Perm()})
			cp.touched[filepath.Dir(dst)] = true
		case errors.Is(err, fs.ErrExist):
			if di, serr := os.Stat(dst); serr != nil || !di.IsDir() {
				cp.fail(fmt.Errorf("%s: exists and is not a directory", dst))
				return
			}
		default:
			cp.fail(err)
			return
		}
		entries, err := os.ReadDir(src)
		if err != nil {
			cp.fail(err) // and copy what it did read
		}
		for _, ent := range entries {
			info, err := ent.Info()
			if err != nil {
				cp.fail(err)
				continue
			}
			cp.walk(filepath.Join(src, ent.Name()), filepath.Join(dst, ent.Name()), info)
		}
	default:
		cp.fail(fmt.Errorf("%s: not a regular file, directory or symbolic link (%v): not copied", src, mode.Type()))
	}
}

// copyAll copies the tasks, -j at once, showing progress.
func (cp *copier) copyAll(ctx context.Context) {
	work := make(chan cpTask)
	var wg sync.WaitGroup
	for range min(cp.o.jobs, max(len(cp.tasks), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var bufs [][]byte // this job's, kept from file to file
			for t := range work {
				var err error
				if t.info.Mode()&fs.ModeSymlink != 0 {
					err = cp.copyLink(t)
				} else {
					err = cp.copyFile(ctx, t, &bufs)
				}
				switch {
				case err == nil:
					cp.copied.Add(1)
					if cp.o.verbose {
						cp.prog.println(cp.c.stdout, t.src+" -> "+t.dst)
					}
				case ctx.Err() != nil:
					// Interrupted: not a failure of this file.
				default:
					cp.fail(err)
				}
			}
		}()
	}
	stop := make(chan struct{})
	var tick sync.WaitGroup
	tick.Add(1)
	go func() {
		defer tick.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				cp.show()
			}
		}
	}()
feed:
	for _, t := range cp.tasks {
		select {
		case work <- t:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	close(stop)
	tick.Wait()
}

func (cp *copier) show() {
	done, total, el := cp.done.Load(), cp.total.Load(), time.Since(cp.started).Seconds()
	frac := 1.0
	if total > 0 {
		frac = float64(done) / float64(total)
	}
	cp.prog.show("%s %s of %s, %s/s, %d of %d files", bar(frac, 20), formatBytes(done), formatBytes(total),
		formatBytes(int64(float64(done)/max(el, 1e-3))), cp.copied.Load(), len(cp.tasks))
}

func (cp *copier) touch(dir string) {
	cp.mu.Lock()
	cp.touched[dir] = true
	cp.mu.Unlock()
}

// tempName returns a name for the temporary file of dst, in dst's directory.
func tempName(dst string) string {
	var b [4]byte
	rand.Read(b[:])
	return filepath.Join(filepath.Dir(dst), "."+filepath.Base(dst)+".ovio-"+hex.EncodeToString(b[:]))
}

// copyLink copies the symbolic link t.src: a new link at a temporary name, renamed to t.dst.
func (cp *copier) copyLink(t cpTask) error {
	target, err := os.Readlink(t.src)
	if err != nil {
		return err
	}
	tmp := tempName(t.dst)
	if err := os.Symlink(target, tmp); err != nil {
		return &fs.PathError{Op: "symlink", Path: t.dst, Err: errors.Unwrap(err)}
	}
	if err := os.Rename(tmp, t.dst); err != nil {
		os.Remove(tmp)
		return err
	}
	cp.touch(filepath.Dir(t.dst))
	return nil
}

// copyFile copies the regular file t.src to t.dst through the engine: -window chunks in flight,
// written to a temporary file that is renamed to t.dst once complete, and removed otherwise.
// bufs are the job's buffers, grown as needed.
func (cp *copier) copyFile(ctx context.Context, t cpTask, bufs *[][]byte) (err error) {
	var opts fileOpts
	in, err := openFile(cp.e, t.src, os.O_RDONLY, 0, opts)
	if err != nil {
		return err
	}
	defer in.Close()

	var out ioFile
	var tmp string
	for range 10 {
		tmp = tempName(t.dst)
		out, err = openFile(cp.e, tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600, opts)
		if !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	if err != nil {
		// Name the file asked for: the temporary name means nothing to the user.
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return &fs.PathError{Op: "create", Path: t.dst, Err: pe.Err}
		}
		return err
	}
	unregister := cp.c.cleanupOnExit(func() { os.Remove(tmp) })
	closed := false
	defer func() {
		if !closed {
			out.Close()
		}
		if err != nil {
			os.Remove(tmp)
		}
		unregister()
	}()
	// Errors on the temporary file name the destination.
	named := func(err error) error {
		var pe *fs.PathError
		if errors.As(err, &pe) && pe.Path == tmp {
			return &fs.PathError{Op: pe.Op, Path: t.dst, Err: pe.Err}
		}
		return err
	}

	if err := cp.copyData(ctx, in, out, t.src, t.info.Size(), bufs); err != nil {
		return named(err)
	}
	if cp.o.fsync {
		if err := out.Sync(ctx); err != nil {
			return named(err)
		}
	}
	closed = true
	if err := out.Close(); err != nil {
		return named(err)
	}
	if err := os.Chmod(tmp, t.info.Mode().Perm()); err != nil {
		return named(err)
	}
	if err := os.Rename(tmp, t.dst); err != nil {
		var le *os.LinkError
		if errors.As(err, &le) {
			return &fs.PathError{Op: "rename", Path: t.dst, Err: le.Err}
		}
		return err
	}
	cp.touch(filepath.Dir(t.dst))
	return nil
}

// syncDirs flushes the directories whose entries the copy changed (not on Windows, which cannot
// open a directory for that).
func (cp *copier) syncDirs() {
	if runtime.GOOS == "windows" {
		return
	}
	for _, d := range slices.Sorted(func(yield func(string) bool) {
		for d := range cp.touched {
			if !yield(d) {
				return
			}
		}
	}) {
		f, err := os.Open(d)
		if err == nil {
			err = f.Sync()
			f.Close()
		}
		if err != nil {
			cp.fail(err)
		}
	}
}

// limiter spaces out chunks so that at most rate bytes pass per second. A nil limiter lets
// everything through.
type limiter struct {
	rate float64 // bytes per second
	mu   sync.Mutex
	next time.Time // when the next chunk may go
}

func (l *limiter) wait(ctx context.Context, n int64) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	now := time.Now()
	if l.next.Before(now) {
		l.next = now
	}
	at := l.next
	l.next = l.next.Add(time.Duration(float64(n) / l.rate * float64(time.Second)))
	l.mu.Unlock()
	d := time.Until(at)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// copyData copies in to out until in's end, as cp(1) does, whatever size the listing saw: the
// size seen, in -chunk pieces with up to -window of them in flight; then what lies beyond, if
// the file grew or its size said nothing (as for a file in /proc), a chunk at a time until a
// read comes up short. A file that shrank is copied as it now is, unless chunks past its new end
// had already been read: that copy would mix two versions of the file, and is refused.
func (cp *copier) copyData(ctx context.Context, in, out ioFile, src string, size int64, bufs *[][]byte) error {
	chunk := cp.o.chunk
	nchunks := (size + chunk - 1) / chunk
	workers := int(max(min(int64(cp.o.window), nchunks), 1)) // one, at least, for what lies past size
	for len(*bufs) < workers {
		*bufs = append(*bufs, make([]byte, chunk))
	}
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next  atomic.Int64
		first error
		once  sync.Once
		wg    sync.WaitGroup
		mu    sync.Mutex
		end   = size // the least offset where a read found the end
		wrote int64  // the greatest offset written up to
	)
	for w := range int(min(int64(workers), nchunks)) {
		buf := (*bufs)[w]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= nchunks || fctx.Err() != nil {
					return
				}
				off := i * chunk
				p := buf[:min(chunk, size-off)]
				n, err := in.ReadAt(fctx, p, off)
				if errors.Is(err, io.EOF) {
					mu.Lock()
					end = min(end, off+int64(n))
					mu.Unlock()
					p, err = p[:n], nil
				}
				if err == nil && len(p) > 0 {
					err = cp.limit.wait(fctx, int64(len(p)))
					if err == nil {
						_, err = out.WriteAt(fctx, p, off)
					}
					mu.Lock()
					wrote = max(wrote, off+int64(len(p)))
					mu.Unlock()
				}
				if err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
				cp.done.Add(int64(len(p)))
			}
		}()
	}
	wg.Wait()
	switch {
	case first != nil:
		return first
	case ctx.Err() != nil:
		return ctx.Err()
	case end < size:
		if wrote > end {
			return &fs.PathError{Op: "read", Path: src, Err: errors.New("file shrank while being copied")}
		}
		cp.total.Add(end - size)
		return nil
	}
	// What lies past the size seen: one chunk at a time, to the end.
	buf := (*bufs)[0][:chunk]
	for off := size; ; {
		n, err := in.ReadAt(ctx, buf, off)
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if n > 0 {
			cp.total.Add(int64(n))
			if err := cp.limit.wait(ctx, int64(n)); err != nil {
				return err
			}
			if _, err := out.WriteAt(ctx, buf[:n], off); err != nil {
				return err
			}
			cp.done.Add(int64(n))
			off += int64(n)
		}
		if err != nil || n == 0 {
			return nil // at the end
		}
	}
}
