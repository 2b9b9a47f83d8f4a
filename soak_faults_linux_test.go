//go:build linux && ovio_faults

package ovio_test

import (
	"math/rand/v2"
	"syscall"

	"github.com/ovio/ovio"
	"github.com/ovio/ovio/internal/fault"
)

// With the ovio_faults tag, each soak round draws faults from those of faults_linux_test.go:
// submissions and waits that fail and are retried, partial submissions, a completion queue as
// small as the kernel allows, cancels whose answers lie, and, in some rounds, lost cancels; for
// the blocking engine, stream reads that find nothing and a poller interrupted.
func init() {
	soakFaults = func(rng *rand.Rand, cfg *ovio.Config) (func(), bool) {
		retry := []syscall.Errno{syscall.EINTR, syscall.EAGAIN, syscall.EBUSY}
		submitFail := rng.IntN(4) == 0
		waitFail := rng.IntN(4) == 0
		partial := rng.IntN(4) == 0
		stream := rng.IntN(4) == 0 // the blocking engine's stream reads and its poller
		lose := rng.IntN(4) == 0
		lie := rng.IntN(4) == 0
		h := &fault.Hooks{}
		if rng.IntN(4) == 0 && cfg.Entries > 0 {
			h.CQEntries = uint32(cfg.Entries) // the smallest the kernel accepts: overflow
		}
		if submitFail || waitFail || partial || stream {
			h.Syscall = func(c *fault.Call) (bool, uintptr, error) {
				switch {
				case isSubmit(c):
					if partial && c.Args[1] > 1 {
						c.Args[1] = uintptr(1 + rand.IntN(int(c.Args[1])))
					}
					if submitFail && rand.IntN(20) == 0 {
						return true, 0, retry[rand.IntN(len(retry))]
					}
				case stream && (c.Name == "preadv2" || c.Name == "pwritev2"):
					if rand.IntN(4) == 0 {
						return true, 0, syscall.EAGAIN // another reader was first: park
					}
				case stream && c.Name == "poll":
					if rand.IntN(10) == 0 {
						return true, 0, retry[rand.IntN(2)] // EINTR or EAGAIN
					}
				case isWait(c):
					if waitFail && rand.IntN(10) == 0 {
						if rand.IntN(4) == 0 {
							return true, 0, nil // an early return
						}
						return true, 0, retry[rand.IntN(len(retry))]
					}
				}
				return false, 0, nil
			}
		}
		if lose {
			h.Cancel = func(target uint64) uint64 {
				if rand.IntN(4) == 0 {
					return noOp
				}
				return target
			}
		}
		if lie {
			h.Completions = func(cs []fault.Completion) []fault.Completion {
				for i := range cs {
					if cs[i].UserData == ovio.UserDataCancel && rand.IntN(2) == 0 {
						cs[i].Res = -int32(syscall.EALREADY)
					}
				}
				return cs
			}
		}
		return fault.Set(h), lose
	}
}
