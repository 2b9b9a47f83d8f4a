// Package ovio awaits native, completion-based asynchronous I/O from goroutines.
package ovio
