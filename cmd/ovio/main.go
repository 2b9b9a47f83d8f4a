// Command ovio runs file I/O through ovio's engine: a benchmark beside os.File, a copy, and the
// hydration of cloud-file placeholders on Windows.
//
//	ovio bench [flags]               compare ovio with os.File on this machine, like fio
//	ovio cp [flags] SRC... DST       copy files and trees with many ops in flight
//	ovio hydrate [flags] PATH...     hydrate cloud-file placeholders (Windows)
//
// Run "ovio help" for the details. The README's command, go run ./cmd/ovio bench, runs a short
// self-contained benchmark.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
)

// The exit statuses.
const (
	exitOK          = 0
	exitFailure     = 1   // something failed; the rest was still tried
	exitUsage       = 2   // bad command line
	exitInterrupted = 130 // Ctrl-C or SIGTERM: work stopped, partial results printed (128 + SIGINT)
)

const usageText = `ovio runs file I/O through ovio's engine: io_uring on Linux, IOCP on Windows,
a pool of goroutines making blocking calls elsewhere.

Usage:

	ovio <command> [flags] [arguments]

Commands:

	bench     compare ovio with os.File on this machine, like fio
	cp        copy files and trees through the engine, many ops in flight
	hydrate   hydrate cloud-file placeholders (Windows only)
	help      show a command's flags: ovio help <command>

Flags take one dash or two (-json, --json) and come before the arguments.
Ctrl-C stops the work cleanly and prints what was done so far; a second one
exits at once, still removing the temporary files.

Exit status: 0 on success; 1 if anything failed (the rest is still tried);
2 for bad usage; 130 if interrupted.
`

// command is a subcommand: run parses args (the arguments after its name) and does the work.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, c *cli, args []string) error
	hidden  bool
}

var commands []*command

func init() {
	commands = []*command{
		{name: "bench", summary: "compare ovio with os.File", run: runBench},
		{name: "cp", summary: "copy files and trees", run: runCp},
		{name: "hydrate", summary: "hydrate cloud-file placeholders (Windows only)", run: runHydrate},
		{name: phaseCommand, run: runPhaseCommand, hidden: true},
	}
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// cli is what a command writes to.
type cli struct {
	stdout, stderr io.Writer
	stdoutFile     *os.File // for the terminal checks; nil in none
	stderrFile     *os.File

	mu       sync.Mutex
	cleanups map[*cleanup]struct{}
}

// cleanup is a function registered to run if the process exits on a second Ctrl-C.
type cleanup struct{ f func() }

// cleanupOnExit registers f to run if a second Ctrl-C ends the process before the command's own
// cleanup; the returned function unregisters it.
func (c *cli) cleanupOnExit(f func()) (unregister func()) {
	k := &cleanup{f}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cleanups == nil {
		c.cleanups = map[*cleanup]struct{}{}
	}
	c.cleanups[k] = struct{}{}
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		delete(c.cleanups, k)
	}
}

func (c *cli) runCleanups() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.cleanups {
		k.f()
	}
	c.cleanups = nil
}

// usageError is a bad command line: exit status 2. The command's usage follows the message.
type usageError struct {
	cmd string // the command, or "" for ovio itself
	msg string
}

func (e *usageError) Error() string { return e.msg }

func usagef(cmd, format string, args ...any) error {
	return &usageError{cmd: cmd, msg: fmt.Sprintf(format, args...)}
}

// failedError says that something failed after the rest was tried; each failure was already
// reported on stderr, and msg sums them up, if it is not empty. Exit status 1.
type failedError struct{ msg string }

func (e *failedError) Error() string { return e.msg }

// errInterrupted is what a command returns when ctx ended by a signal; what was done so far has
// been printed. Exit status 130.
var errInterrupted = errors.New("interrupted")

// errHelp is what a command returns after printing its help for -h: exit status 0.
var errHelp = flag.ErrHelp

func main() {
	c := &cli{stdout: os.Stdout, stderr: os.Stderr, stdoutFile: os.Stdout, stderrFile: os.Stderr}
	os.Exit(c.main(os.Args[1:]))
}

// main runs the command line args and returns the exit status.
func (c *cli) main(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(c.stderr, usageText)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		if name == "help" && len(args) > 1 {
			cmd := lookup(args[1])
			if cmd == nil || cmd.hidden {
				fmt.Fprintf(c.stderr, "ovio help: unknown command %q\n\n%s", args[1], usageText)
				return exitUsage
			}
			return c.exit(cmd, cmd.run(context.Background(), c, []string{"-h"}))
		}
		fmt.Fprint(c.stdout, usageText)
		return exitOK
	}
	cmd := lookup(name)
	if cmd == nil {
		if strings.HasPrefix(name, "-") {
			fmt.Fprintf(c.stderr, "ovio: unknown flag %s: flags come after the command\n\n%s", name, usageText)
		} else {
			fmt.Fprintf(c.stderr, "ovio: unknown command %q\n\n%s", name, usageText)
		}
		return exitUsage
	}

	// The first SIGINT or SIGTERM cancels ctx: the command stops its work, cleans up and
	// reports. A second one exits at once, after removing the temporary files registered with
	// cleanupOnExit.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		<-sigs
		cancel()
		if cmd.hidden {
			// A bench phase gets Ctrl-C twice, from the terminal and from its parent: it stops
			// once, reports, and is killed by its parent if it does not.
			for range sigs {
			}
		}
		<-sigs
		c.runCleanups()
		fmt.Fprintf(c.stderr, "ovio %s: interrupted twice: exiting\n", cmd.name)
		os.Exit(exitInterrupted)
	}()
	return c.exit(cmd, cmd.run(ctx, c, args[1:]))
}

// exit reports err as the command's failure and returns the exit status for it.
func (c *cli) exit(cmd *command, err error) int {
	var ue *usageError
	var fe *failedError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(c.stderr, "ovio %s: %s\n", cmd.name, ue.msg)
		fmt.Fprintf(c.stderr, "Run 'ovio help %s' for usage.\n", cmd.name)
		return exitUsage
	case errors.Is(err, errInterrupted):
		fmt.Fprintf(c.stderr, "ovio %s: interrupted\n", cmd.name)
		return exitInterrupted
	case errors.As(err, &fe):
		if fe.msg != "" {
			fmt.Fprintf(c.stderr, "ovio %s: %s\n", cmd.name, fe.msg)
		}
		return exitFailure
	}
	fmt.Fprintf(c.stderr, "ovio %s: %v\n", cmd.name, err)
	return exitFailure
}

// flagSet is a command's flags, and its help.
type flagSet struct {
	*flag.FlagSet
	cmd  string
	help func()
}

// newFlags returns a flag set for the command name whose -h prints usage (the command's synopsis
// and description) and the flags on stdout.
func (c *cli) newFlags(name, usage string) *flagSet {
	fs := flag.NewFlagSet("ovio "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {} // the flag package calls it on errors too: parse prints what is due
	return &flagSet{FlagSet: fs, cmd: name, help: func() {
		fmt.Fprint(c.stdout, usage)
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n == 0 {
			return
		}
		fmt.Fprintln(c.stdout, "\nFlags:")
		fs.SetOutput(c.stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}}
}

// parse parses args: -h prints the help and gives errHelp; a bad flag gives a usageError.
func (fs *flagSet) parse(args []string) error {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.help()
		return errHelp
	}
	if err != nil {
		return usagef(fs.cmd, "%v", err)
	}
	return nil
}
