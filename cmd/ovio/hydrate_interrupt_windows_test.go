package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ovio/ovio/internal/iocp/cfstandin"
	"golang.org/x/sys/windows"
)

// slowCfEnv, set in ovio's environment, replaces CfHydratePlaceholder (cldapi.dll is missing
// under Wine 8) with the native stand-in below: each call takes 100 ms and hydrates its range at
// once, as the real function does for a range its provider serves quickly.
const slowCfEnv = "OVIO_TEST_SLOW_CF"

func init() {
	if os.Getenv(slowCfEnv) == "" || os.Getenv(asOvio) != "1" {
		return
	}
	cfstandin.Install(func(h windows.Handle, off, length int64, flags uint32, ov *windows.Overlapped) int32 {
		time.Sleep(100 * time.Millisecond)
		ov.Internal, ov.InternalHigh = 0, 0 // what a call that completed at once writes
		return 0                            // S_OK
	})
}

// TestHydrateInterrupt interrupts ovio hydrate as Ctrl-C would: it stops starting files, prints
// how far it got, and exits with status 130. A call in flight is not cancelled here (the stand-in
// completes each at once: Wine 8 has no I/O that pends on a file opened for its attributes only,
// such as hydrate's handle, and stays cancellable); the root package's TestCfHydratePlaceholder
// cancels a pending call.
func TestHydrateInterrupt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const files = 200 // 20 s of stand-in calls, one at a time
	for i := range files {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d", i)), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := ovioCmd(t, t.Context(), "", []string{slowCfEnv + "=1"}, "hydrate", "-j", "1", dir)
	ownGroup(cmd)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond)
	if err := interruptGroup(cmd); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal(err)
	}
	cmd.Wait()
	r := result{stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()}
	r.expect(t, exitInterrupted, nil, []string{"ovio hydrate: interrupted"})
	m := regexp.MustCompile(`ovio hydrate: hydrated (\d+) of (\d+) files`).FindStringSubmatch(r.stderr)
	if m == nil {
		t.Fatalf("no summary\n%v", r)
	}
	done, _ := strconv.Atoi(m[1])
	if m[2] != strconv.Itoa(files) || done == files {
		t.Errorf("hydrated %s of %s files: want fewer than all %d\n%v", m[1], m[2], files, r)
	}
}
