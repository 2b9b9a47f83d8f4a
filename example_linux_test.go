package ovio_test

import (
	"context"
	"errors"
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

// Say which engine runs and, when it is not the one the platform prefers, why: here another was
// asked for. Where io_uring is forbidden, the reason says so (ovio.ReasonForbidden, and
// errors.Is(err, syscall.EPERM) holds), and the program runs on the blocking engine all the same.
func ExampleEngine_Fallback() {
	e, err := ovio.Open(&ovio.Config{Kind: "blocking"})
	if err != nil {
		log.Fatal(err)
	}
	defer e.Close()
	fmt.Println(e.Kind())
	var why *ovio.EngineError
	if errors.As(e.Fallback(), &why) {
		switch why.Reason {
		case ovio.ReasonForbidden, ovio.ReasonDisabled, ovio.ReasonDenied:
			log.Print("ovio: an administrator forbids io_uring here: ", why)
		case ovio.ReasonAsked:
			fmt.Println(why)
		default:
			log.Print(why)
		}
	}
	// Output:
	// blocking
	// ovio: io_uring not used: another engine was asked for: Config.Kind=blocking
}

// Ask for a lever of the io_uring engine and see whether the kernel took it: a kernel without
// COOP_TASKRUN (before Linux 5.19) sets the ring up without it, and Config says so.
func ExampleEngine_Config() {
	e, err := ovio.Open(&ovio.Config{Kind: "io_uring", CoopTaskrun: true, Entries: 100})
	if err != nil {
		log.Fatal(err) // no io_uring here: see ExampleEngine_Fallback
	}
	defer e.Close()
	c := e.Config()
	if !c.CoopTaskrun {
		log.Print("ovio: the kernel refused IORING_SETUP_COOP_TASKRUN")
	}
	fmt.Println(c.Kind, c.Entries) // the kernel rounds the queue's size up to a power of two
	// Output: io_uring 128
}
