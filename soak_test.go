package ovio_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ovio/ovio"
)

// soakFaults, set by soak_faults_linux_test.go in builds with the ovio_faults tag, draws random
// faults for one soak round, sets them, and returns what undoes them and whether the faults may
// lose cancels. nil in other builds.
// soakHang is how long one round may take before it is declared hung.
var soakHang = 60 * time.Second

var soakFaults func(rng *rand.Rand, cfg *ovio.Config) (restore func(), lostCancels bool)

// TestSoak is the soak mode: OVIO_SOAK=N runs at least N ops (1000000 and more for a real soak)
// on fresh engines of every kind, in rounds that each draw a configuration (queue size, a bound
// on ops in flight, how many goroutines), run the churn workload with its random cancels, and
// end with Close, half of the time racing the ops still in flight. With the ovio_faults tag each
// round also draws faults. OVIO_SOAK_SEED replays a run. Without OVIO_SOAK the test is skipped.
func TestSoak(t *testing.T) {
	n, err := strconv.Atoi(os.Getenv("OVIO_SOAK"))
	if err != nil || n <= 0 {
		t.Skip("OVIO_SOAK=N runs the soak: N ops")
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("OVIO_SOAK_SEED"); s != "" {
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("OVIO_SOAK_SEED: %v", err)
		}
	}
	t.Logf("OVIO_SOAK=%d OVIO_SOAK_SEED=%d", n, seed)
	for _, kind := range engineKinds(t) {
		if strings.HasSuffix(kind, "+coop") || strings.HasSuffix(kind, "+sqpoll") {
			// Setup flags of the same engine, whose submission and reaping code is the default
			// mode's: the conformance suite runs them, and the soak's time goes to the modes
			// whose code differs.
			continue
		}
		t.Run(kind, func(t *testing.T) { soak(t, kind, int64(n), seed) })
	}
}

func soak(t *testing.T, kind string, n int64, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0))
	var total, cancelled, closeRaces, closedErrs int64
	start := time.Now()
	for round := 0; total < n && !t.Failed(); round++ {
		t.Run(fmt.Sprint("round", round), func(t *testing.T) {
			cfg := *configFor(kind)
			cfg.Entries = []int{2, 8, 64, 256}[rng.IntN(4)]
			cfg.MaxInFlight = []int{0, 0, 16, 4096}[rng.IntN(4)]
			opts := churnOpts{
				ops:        int(min(n-total, 20_000)),
				goroutines: 4 + rng.IntN(29),
				seed:       rng.Uint64(),
				hang:       soakHang,
			}
			if soakFaults != nil {
				restore, lost := soakFaults(rng, &cfg)
				defer restore()
				opts.lostCancels = lost
			}
			e, err := ovio.Open(&cfg)
			if err != nil {
				t.Fatalf("Open(%+v): %v", cfg, err)
			}
			race := rng.IntN(2) == 0
			if race {
				// Close while ops are in flight: early in the round, or anywhere in it.
				opts.closeAfter = time.Duration(1+rng.IntN(200)) * time.Millisecond
				closeRaces++
			}
			r := churn(t, e, opts)
			if !race {
				finished := make(chan struct{})
				go watchdog(finished, 5*time.Minute, "Close")
				if err := e.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
				close(finished)
			}
			if s := e.Stats(); s.InFlight != 0 || s.Ignored != 0 {
				t.Errorf("after Close: %+v", s)
			}
			if p := ovio.PinnedPointers(e); p > 0 {
				t.Errorf("%d pointers pinned after Close", p)
			}
			total += r.ops
			cancelled += r.cancelled
			closedErrs += r.closedErrs
		})
	}
	t.Logf("%s: %d ops in %v (%.0f/s), %d cancelled, %d rounds closed under load ending %d ops with ErrClosed",
		kind, total, time.Since(start).Round(time.Millisecond), float64(total)/time.Since(start).Seconds(),
		cancelled, closeRaces, closedErrs)
}
