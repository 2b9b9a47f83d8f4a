package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"unicode/utf8"
)

// progress is a status line redrawn in place when its file is a terminal, and nothing otherwise.
// Lines printed with println go above it. It is safe for use by many goroutines.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	on    bool
	width int // of the line shown, to blank it out; 0 if none is shown
}

// newProgress returns a progress line on f, written through w (f itself, or a writer over it),
// which shows only if f is a terminal.
func newProgress(f *os.File, w io.Writer) *progress {
	return &progress{w: w, on: f != nil && isTerminal(f)}
}

// show replaces the line shown with the formatted one.
func (p *progress) show(format string, args ...any) {
	if !p.on {
		return
	}
	line := fmt.Sprintf(format, args...)
	p.mu.Lock()
	defer p.mu.Unlock()
	n := utf8.RuneCountInString(line)
	pad := max(p.width-n, 0)
	fmt.Fprintf(p.w, "\r%s%s", line, strings.Repeat(" ", pad))
	if pad > 0 {
		fmt.Fprintf(p.w, "\r%s", line)
	}
	p.width = n
}

// clearLocked blanks the line shown, leaving the cursor at the start of the line.
func (p *progress) clearLocked() {
	if p.width > 0 {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.width))
		p.width = 0
	}
}

// clear blanks the line shown.
func (p *progress) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
}

// println blanks the progress line and writes s and a newline to w, which may be the progress
// line's own file or another that shares its terminal.
func (p *progress) println(w io.Writer, s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
	fmt.Fprintln(w, s)
}

// bar draws a progress bar of width cells, frac of it full.
func bar(frac float64, width int) string {
	frac = min(max(frac, 0), 1)
	full := int(frac*float64(width) + 0.5)
	return "[" + strings.Repeat("#", full) + strings.Repeat(".", width-full) + "]"
}
