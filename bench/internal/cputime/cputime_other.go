//go:build !unix

// Package cputime reads the CPU time the process has used, for the
// benchmarks' cpu-ns/op and the throughput tool's CPU per request.
package cputime

import "time"

// Process reports that the process's CPU time is unknown here.
func Process() (time.Duration, bool) { return 0, false }
