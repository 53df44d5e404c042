//go:build unix

package bench

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time, user and system, the process has used so
// far, or false when the system cannot tell.
func cpuTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}

// settle writes every dirty page of the system's file systems to disk and
// waits for it, so that what a fill wrote is not written back while the
// operations after it are timed.
func settle() { syscall.Sync() }
