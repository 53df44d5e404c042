//go:build unix

package scale

import (
	"io/fs"
	"path/filepath"
	"syscall"
)

// diskUsage is the space allocated to path and everything under it.
func diskUsage(path string) (int64, error) {
	var total int64
	err := filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		var st syscall.Stat_t
		if err := syscall.Lstat(p, &st); err != nil {
			return err
		}
		total += st.Blocks * 512
		return nil
	})
	return total, err
}

// settle writes every dirty page of the system's file systems to disk and
// waits for it, so that what a fill wrote is not written back while the
// operations after it are timed.
func settle() { syscall.Sync() }
