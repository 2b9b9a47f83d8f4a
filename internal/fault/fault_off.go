//go:build !ovio_faults

package fault

// Enabled reports whether this build has the fault hooks (the ovio_faults build tag).
const Enabled = false
