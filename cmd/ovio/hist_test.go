package main

import (
	"testing"
	"time"
)

func TestHistBuckets(t *testing.T) {
	prev := -1
	for _, v := range []uint64{0, 1, 15, 16, 31, 32, 33, 63, 64, 1000, 1 << 20, 1<<40 + 12345, 1<<63 - 1, 1 << 63} {
		i := histIndex(v)
		if i < prev || i >= histBuckets {
			t.Fatalf("histIndex(%d) = %d after %d", v, i, prev)
		}
		prev = i
		lo, hi := histBounds(i)
		if v < lo || (v >= hi && hi != 0) {
			t.Errorf("%d in bucket %d = [%d, %d)", v, i, lo, hi)
		}
		if lo >= 32 && float64(hi-lo)/float64(lo) > 1.0/16 {
			t.Errorf("bucket %d = [%d, %d) wider than 1/16", i, lo, hi)
		}
	}
}

func TestHistQuantile(t *testing.T) {
	var a, b hist
	for i := 1; i <= 990; i++ {
		a.record(time.Microsecond)
	}
	for i := 1; i <= 10; i++ {
		b.record(time.Millisecond)
	}
	a.merge(&b)
	within := func(got, want time.Duration) bool {
		return got >= want-want/16 && got <= want+want/16
	}
	if got := a.quantile(0.5); !within(got, time.Microsecond) {
		t.Errorf("p50 = %v", got)
	}
	if got := a.quantile(0.99); !within(got, time.Microsecond) {
		t.Errorf("p99 = %v", got)
	}
	if got := a.quantile(0.999); !within(got, time.Millisecond) {
		t.Errorf("p99.9 = %v", got)
	}
	var empty hist
	if empty.quantile(0.5) != 0 || empty.mean() != 0 {
		t.Error("empty histogram")
	}
}
