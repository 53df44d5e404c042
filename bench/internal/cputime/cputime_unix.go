//go:build unix

// Package cputime reads the CPU time the process has used, for the
// benchmarks' cpu-ns/op and the throughput tool's CPU per request.
package cputime

import (
	"syscall"
	"time"
)

// Process returns the CPU time, user and system, every thread of the
// process has used so far, or false when the system cannot tell.
func Process() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
