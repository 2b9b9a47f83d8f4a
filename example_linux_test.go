package ovio_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/ovio/ovio"
)

// Await any io_uring operation: fill the SQE, and name the memory it lends the kernel so that ovio
// keeps it pinned until the completion. This is the Linux counterpart of awaiting an OVERLAPPED
// call on Windows.
func ExamplePrep() {
	e, err := ovio.Open(&ovio.Config{Kind: "io_uring"})
	if err != nil {
		log.Fatal(err)
	}
	defer e.Close()
	f, err := os.Open("/proc/self/comm")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()

	buf := make([]byte, 64)
	fd := int32(f.Fd())
	n, err := e.Do(context.Background(), ovio.Prep(func(sqe *ovio.SQE) {
		sqe.PrepRead(fd, buf, 0)
	}, buf))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n > 0)
	// Output: true
}
