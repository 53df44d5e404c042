//go:build !unix || aix || (solaris && !illumos)

// The systems without flock(2) (Windows, Plan 9, AIX, Solaris, WebAssembly):
// stubs that keep the package compiling, as New refuses to open a store.

package filestore

import (
	"errors"
	"os"
)

// supported is false: this operating system lacks flock(2) or O_NOFOLLOW,
// and New refuses to open a store. The functions below only keep the
// package compiling.
const supported = false

var errUnsupported = errors.New("filestore: not supported on this operating system")

func openFile(path string, flags int, perm uint32) (int, error) { return -1, errUnsupported }
func statOwned(fd int) (fileInfo, error)                        { return fileInfo{}, errUnsupported }
func ownedBy(fi os.FileInfo) bool                               { return false }
func sameFile(fd int, path string) (bool, error)                { return false, errUnsupported }
func preadFull(fd int, b []byte, off int64) error               { return errUnsupported }
func pwriteFull(fd int, b []byte, off int64) error              { return errUnsupported }
func fsyncFd(fd int) error                                      { return errUnsupported }
func closeFd(fd int) error                                      { return errUnsupported }
func tryFlock(fd int) (bool, error)                             { return false, errUnsupported }

const (
	oRead = iota
	oRW
	oCreate
	oExcl
	oWrite
	oDir
)
