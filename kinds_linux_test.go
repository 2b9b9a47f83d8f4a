package ovio_test

import (
	"os"
	"testing"
)

// engineKinds lists the engines the conformance suite runs against on this platform. The child
// process of TestSeccomp, which io_uring refuses, runs it against the fallback only.
func engineKinds(t *testing.T) []string {
	if os.Getenv(seccompChildEnv) != "" {
		return []string{"blocking"}
	}
	return []string{"io_uring", "io_uring+issuer", "io_uring+coop", "io_uring+sqpoll", "blocking"}
}
