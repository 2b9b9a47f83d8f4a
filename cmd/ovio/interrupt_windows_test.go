package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/windows"
)

// How Ctrl-C is sent on Windows, and why so (as seen under Wine 8, which does what Windows
// documents here): a console control event goes to a process group of the sender's own console,
// GenerateConsoleCtrlEvent's group 0 being all of the console's processes. A process started with
// CREATE_NEW_PROCESS_GROUP ignores CTRL_C_EVENT (GenerateConsoleCtrlEvent succeeds, nothing
// arrives), and CTRL_BREAK_EVENT, the event such a group does take, is refused by Wine 8 with
// ERROR_INVALID_HANDLE. So the ovio under test gets a console of its own, which the phase processes
// it starts share, as a terminal's job does; and CTRL_C_EVENT is sent to that whole console by a
// helper process that attaches to it. Not by the test process: while it was attached, every
// process another test started would join that console and get the Ctrl-C too.

// ctrlCEnv, set to "pid times", makes the test binary the helper that sends CTRL_C_EVENT times to
// the console of the process pid, and exits.
const ctrlCEnv = "OVIO_TEST_CTRL_C"

func init() {
	v := os.Getenv(ctrlCEnv)
	if v == "" {
		return
	}
	var pid uint32
	var times int
	if _, err := fmt.Sscan(v, &pid, &times); err != nil {
		fmt.Fprintf(os.Stderr, "%s=%q: %v\n", ctrlCEnv, v, err)
		os.Exit(2)
	}
	if err := sendCtrlC(pid, times); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// sendCtrlC sends CTRL_C_EVENT times, 20 ms apart, to every process of the console of the
// process n.
func sendCtrlC(n uint32, times int) error {
	kernel32 := windows.NewLazySystemDLL("kernel32.dll")
	kernel32.NewProc("FreeConsole").Call()
	if r, _, err := kernel32.NewProc("AttachConsole").Call(uintptr(n)); r == 0 {
		return fmt.Errorf("AttachConsole(%d): %w", n, err)
	}
	// The event reaches this process too: taken, it does not end it before it is sent.
	signal.Notify(make(chan os.Signal, 1), os.Interrupt)
	for i := range times {
		if i > 0 {
			time.Sleep(20 * time.Millisecond)
		}
		if err := windows.GenerateConsoleCtrlEvent(windows.CTRL_C_EVENT, 0); err != nil {
			return fmt.Errorf("GenerateConsoleCtrlEvent(CTRL_C_EVENT, 0): %w", err)
		}
	}
	return nil
}

// ownGroup starts cmd with a console of its own (hidden), which the processes it starts share, as
// a shell's job shares the terminal.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: windows.CREATE_NEW_CONSOLE, HideWindow: true}
}

// interruptGroup sends CTRL_C_EVENT to every process of cmd's console, as Ctrl-C in it does; cmd
// must have been started after ownGroup.
func interruptGroup(cmd *exec.Cmd) error { return ctrlC(cmd, 1) }

// interruptGroupTwice is interruptGroup twice, 20 ms apart (the helper's start, 0.1-0.2 s under
// Wine, comes before both).
func interruptGroupTwice(cmd *exec.Cmd) error { return ctrlC(cmd, 2) }

func ctrlC(cmd *exec.Cmd, times int) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	h := exec.Command(exe)
	h.Env = append(append(os.Environ(), ovioEnv...), fmt.Sprintf("%s=%d %d", ctrlCEnv, cmd.Process.Pid, times))
	if out, err := h.CombinedOutput(); err != nil {
		return fmt.Errorf("sending Ctrl-C: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// transientStartErr is an error a process start can fail with for the moment.
var transientStartErr error = windows.ERROR_INTERNAL_ERROR
