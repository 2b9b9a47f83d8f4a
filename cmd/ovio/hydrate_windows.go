package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ovio/ovio"
	"golang.org/x/sys/windows"
)

const hydrateUsage = `Usage: ovio hydrate [flags] PATH...

Hydrates Windows cloud-file placeholders (OneDrive and other Cloud Files API
providers): has their provider fetch their contents, so that they are on disk
and available offline. Each file is hydrated with CfHydratePlaceholder, range
by range, awaited through ovio's IOCP engine; -j files at once. A directory is
hydrated with every file below it. A file that is not a placeholder is
skipped. A progress line shows on stderr when it is a terminal; Ctrl-C cancels
the calls in flight and prints what was done.
`

func runHydrate(ctx context.Context, c *cli, args []string) error {
	flags := c.newFlags("hydrate", hydrateUsage)
	jobs := flags.Int("j", 4, "files hydrated at once")
	chunk := int64(64 << 20)
	flags.Var(sizeFlag{&chunk}, "chunk", "how much of a file one CfHydratePlaceholder call asks for (progress moves by that much)")
	engine := flags.String("engine", "", "ovio's engine: "+fmt.Sprint(engineNames()))
	if err := flags.parse(args); err != nil {
		return err
	}
	if flags.NArg() == 0 {
		return usagef("hydrate", "no PATH given")
	}
	if *jobs < 1 {
		return usagef("hydrate", "-j %d: must be at least 1", *jobs)
	}
	if chunk < 1 {
		return usagef("hydrate", "-chunk must be positive")
	}
	if err := checkEngine("hydrate", *engine); err != nil {
		return err
	}
	e, err := openEngine(*engine, false)
	if err != nil {
		return fmt.Errorf("open engine: %w", err)
	}
	defer e.Close()

	h := &hydrator{c: c, e: e, chunk: chunk, prog: newProgress(c.stderrFile, c.stderr)}
	defer h.prog.clear()

	// The files, and their total size, first.
	type item struct {
		path string
		size int64
	}
	var items []item
	for _, root := range flags.Args() {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				h.fail(err)
				return nil
			}
			if d.IsDir() {
				return nil
			}
			fi, err := d.Info()
			if err != nil {
				h.fail(err)
				return nil
			}
			if fi.Mode().IsRegular() {
				items = append(items, item{path, fi.Size()})
				h.total += fi.Size()
			}
			return nil
		})
		if err != nil {
			h.fail(err)
		}
	}

	work := make(chan item)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var stopOnce sync.Once
	for range *jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range work {
				err := h.file(ctx, it.path, it.size)
				switch {
				case err == nil:
					h.files.Add(1)
				case errors.Is(err, windows.ERROR_NOT_A_CLOUD_FILE):
					h.skipped.Add(1)
					h.done.Add(it.size)
				case errors.Is(err, ovio.ErrNotSupported):
					// The same for every file: say it once and stop.
					stopOnce.Do(func() {
						var pe *fs.PathError
						if errors.As(err, &pe) {
							err = pe.Err
						}
						h.fail(fmt.Errorf("no Cloud Files API on this system: %w", err))
						close(stop)
					})
				case ctx.Err() != nil:
				default:
					h.fail(err)
				}
			}
		}()
	}
	// The progress line is redrawn until the work is done; the goroutine that draws it is
	// joined before the line is cleared, so that no tick it had taken redraws it afterwards.
	start := time.Now()
	stopTick := make(chan struct{})
	var tick sync.WaitGroup
	tick.Go(func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stopTick:
				return
			case <-t.C:
				h.show(start, len(items))
			}
		}
	})
feed:
	for _, it := range items {
		select {
		case work <- it:
		case <-stop:
			break feed
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	close(stopTick)
	tick.Wait()
	h.prog.clear()
	summary := fmt.Sprintf("hydrated %d of %d files (%s of %s)", h.files.Load(), len(items),
		formatBytes(h.done.Load()), formatBytes(h.total))
	if n := h.skipped.Load(); n > 0 {
		summary += fmt.Sprintf("; %d not placeholders, skipped", n)
	}
	switch {
	case ctx.Err() != nil:
		fmt.Fprintf(c.stderr, "ovio hydrate: %s\n", summary)
		return errInterrupted
	case h.failed.Load() > 0:
		return &failedError{fmt.Sprintf("%d failed; %s", h.failed.Load(), summary)}
	}
	if h.prog.on {
		fmt.Fprintf(c.stderr, "ovio hydrate: %s\n", summary)
	}
	return nil
}

// hydrator hydrates files and keeps the count.
type hydrator struct {
	c     *cli
	e     *ovio.Engine
	chunk int64
	prog  *progress
	total int64

	done    atomic.Int64 // bytes
	files   atomic.Int64
	skipped atomic.Int64
	failed  atomic.Int64
}

func (h *hydrator) fail(err error) {
	h.failed.Add(1)
	h.prog.println(h.c.stderr, "ovio hydrate: "+err.Error())
}

func (h *hydrator) show(start time.Time, n int) {
	done, el := h.done.Load(), time.Since(start).Seconds()
	frac := 1.0
	if h.total > 0 {
		frac = float64(done) / float64(h.total)
	}
	h.prog.show("%s %s of %s, %s/s, %d of %d files", bar(frac, 20), formatBytes(done), formatBytes(h.total),
		formatBytes(int64(float64(done)/max(el, 0.001))), h.files.Load()+h.skipped.Load(), n)
}

// file hydrates the placeholder path, of size bytes, chunk by chunk.
func (h *hydrator) file(ctx context.Context, path string, size int64) error {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return &fs.PathError{Op: "open", Path: path, Err: err}
	}
	// CfHydratePlaceholder needs no access to the data: an attribute handle is enough.
	fh, err := windows.CreateFile(p, windows.FILE_READ_ATTRIBUTES,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, nil,
		windows.OPEN_EXISTING, windows.FILE_FLAG_OVERLAPPED, 0)
	if err != nil {
		return &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer windows.CloseHandle(fh)
	if size == 0 {
		return pathErr("CfHydratePlaceholder", path, cfHydrate(ctx, h.e, fh, 0, -1))
	}
	for off := int64(0); off < size; off += h.chunk {
		n := min(h.chunk, size-off)
		if err := cfHydrate(ctx, h.e, fh, off, n); err != nil {
			return pathErr("CfHydratePlaceholder", path, err)
		}
		h.done.Add(n)
	}
	return nil
}
