//go:build linux && !ovio_faults

package ovio

import "github.com/ovio/ovio/internal/uring"

// Without the ovio_faults tag the injection sites of the io_uring engine, and the blocking
// engine's on Linux, do nothing or make the plain call, and inline to that. See
// faults_on_linux.go.

func faultRingConfig(rc *uring.Config) {}

func newRing(rc uring.Config) (*uring.Ring, error) { return uring.New(rc) }

func faultInternalSQE(kind uint32, sqe *uring.SQE) {}

func faultCQEs(buf []uring.CQE) []uring.CQE { return buf }

func faultNowait(fd int, bufs [][]byte, write bool) (int, error) { return nowait(fd, bufs, write) }
