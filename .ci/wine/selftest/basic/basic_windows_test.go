//go:build windows

package basic

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"
)

func TestPass(t *testing.T) {
	if runtime.GOOS != "windows" {
		t.Fatalf("GOOS = %q, want windows", runtime.GOOS)
	}
	if got := os.Getenv("WINEPREFIX"); got == "" {
		t.Log("WINEPREFIX not visible (fine on real Windows)")
	}
}

// crypto/rand reads through ProcessPrng: the DLL setup installs.
func TestProcessPrng(t *testing.T) {
	a, b := make([]byte, 32), make([]byte, 32)
	if _, err := rand.Read(a); err != nil {
		t.Fatal(err)
	}
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, b) || bytes.Equal(a, make([]byte, 32)) {
		t.Fatalf("rand.Read gave %x then %x", a, b)
	}
	// A large read crosses several internal chunks.
	big := make([]byte, 1<<20)
	if _, err := rand.Read(big); err != nil {
		t.Fatal(err)
	}
}

func TestOutput(t *testing.T) {
	fmt.Println("selftest: line on stdout")
	fmt.Fprintln(os.Stderr, "selftest: line on stderr")
	t.Log("selftest: t.Log line")
}

func TestTempDir(t *testing.T) {
	dir := t.TempDir()
	p := dir + `\f.txt`
	if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(p); err != nil || string(b) != "x" {
		t.Fatalf("ReadFile = %q, %v", b, err)
	}
}

// Fails on purpose, to show that a failure reaches go test's exit code.
func TestFailOnPurpose(t *testing.T) {
	if os.Getenv("OVIO_WINE_SELFTEST_FAIL") == "" {
		t.Skip("set OVIO_WINE_SELFTEST_FAIL=1 to see a failure")
	}
	fmt.Println("selftest: about to fail")
	t.Fatal("failing on purpose")
}

// Hangs on purpose, to show that the time limits stop a run.
func TestHang(t *testing.T) {
	if os.Getenv("OVIO_WINE_SELFTEST_HANG") == "" {
		t.Skip("set OVIO_WINE_SELFTEST_HANG=1 to see a hang stopped")
	}
	fmt.Println("selftest: hanging")
	time.Sleep(time.Hour)
}
