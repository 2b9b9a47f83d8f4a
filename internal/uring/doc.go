// Package uring is the raw io_uring interface of ovio's Linux engine: mirrors of the kernel's
// structs, the three system calls, the mapped rings, and SQE preparation helpers.
//
// It holds no policy. Who may submit, who reaps, how an op is named in user_data and when its memory
// may be released are decided by the engine in the root package (engine_uring_linux.go). Every use of
// unsafe in the Linux engine is here, next to the reason it is sound.
//
// golang.org/x/sys/unix has the io_uring system call numbers but none of its structs or constants,
// so they are declared here, each quoting its definition in include/uapi/linux/io_uring.h.
package uring
