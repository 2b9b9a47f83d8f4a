package main

import (
	"math/bits"
	"time"
)

// hist is a latency histogram with log-linear buckets: 16 per power of two, so a bucket's width
// is at most 1/16 of its values (6.25%), from 1 ns to 2^63 ns. Each worker records into its own
// and the results are merged, so recording takes no lock.
type hist struct {
	counts [histBuckets]uint64
	n      uint64
	sum    uint64 // ns
}

const (
	histSubBits = 4
	histSub     = 1 << histSubBits
	histBuckets = (64 - histSubBits + 1) * histSub
)

func histIndex(v uint64) int {
	if v < 2*histSub {
		return int(v)
	}
	shift := bits.Len64(v) - histSubBits - 1
	return shift*histSub + int(v>>shift)
}

// histBounds returns the values of bucket i: [lo, hi).
func histBounds(i int) (lo, hi uint64) {
	if i < 2*histSub {
		return uint64(i), uint64(i) + 1
	}
	shift := i/histSub - 1
	m := uint64(i%histSub + histSub)
	return m << shift, (m + 1) << shift
}

func (h *hist) record(d time.Duration) {
	v := uint64(max(d, 0))
	h.counts[histIndex(v)]++
	h.n++
	h.sum += v
}

func (h *hist) merge(o *hist) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.sum += o.sum
}

// quantile returns the value below which a fraction q of the recorded values lie, as the middle
// of the bucket that holds it; 0 if nothing was recorded.
func (h *hist) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n) + 0.5)
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			lo, hi := histBounds(i)
			return time.Duration(lo + (hi-lo)/2)
		}
	}
	return 0
}

func (h *hist) mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(h.sum / h.n)
}
