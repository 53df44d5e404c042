package boltstore

import "time"

// SetSetupTimeout sets the bound of Setup without a deadline, and returns
// the function that restores it.
func SetSetupTimeout(d time.Duration) (restore func()) {
	old := setupTimeout
	setupTimeout = d
	return func() { setupTimeout = old }
}
