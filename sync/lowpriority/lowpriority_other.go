//go:build !linux

// Package lowpriority runs work, such as a backup, at a priority below
// the work people wait for (Linux only; elsewhere it runs as it is).
package lowpriority

// Nice is the CPU niceness Run gives its work on Linux.
const Nice = 10

// Run runs f as it is: only Linux lowers a thread's priority here.
func Run(f func() error) error { return f() }
