//go:build !unix

package scale

import "errors"

// diskUsage reports that the space allocated is unknown here.
func diskUsage(string) (int64, error) {
	return 0, errors.New("scale: disk usage is read on Unix systems only")
}

// settle does nothing here.
func settle() {}
