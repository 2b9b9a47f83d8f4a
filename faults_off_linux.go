//go:build linux && !ovio_faults

package ovio

import "github.com/ovio/ovio/internal/uring"

// Without the ovio_faults tag the injection sites of the io_uring engine do nothing, and inline
// to nothing. See faults_on_linux.go.

func faultRingConfig(rc *uring.Config) {}

func faultInternalSQE(kind uint32, sqe *uring.SQE) {}

func faultCQEs(buf []uring.CQE) []uring.CQE { return buf }
