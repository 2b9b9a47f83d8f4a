// Package iocp checks that I/O completion ports work under Wine: the
// primitives ovio's Windows engine is built on.
package iocp
