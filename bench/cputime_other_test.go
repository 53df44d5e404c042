//go:build !unix

package bench

import "time"

// cpuTime reports that the process's CPU time is unknown here.
func cpuTime() (time.Duration, bool) { return 0, false }

// settle does nothing here.
func settle() {}
