package filestore

// What the system-call layer shares on every operating system: sys_unix.go
// holds the calls, sys_other.go the stubs of systems without flock(2).

import "errors"

// Reasons a file where a record belongs is refused. They end up wrapped
// with ErrCorrupt, so the record counts as not found.
var (
	errSymlink    = errors.New("is a symbolic link, refused")
	errNotRegular = errors.New("is not a regular file, refused")
	errNotOwned   = errors.New("is not owned by this process's user, refused")
)

// fileInfo is what the store needs from fstat.
type fileInfo struct {
	dev, ino uint64
	size     int64
}
