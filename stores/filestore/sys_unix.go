//go:build unix && !aix && (!solaris || illumos)

// The system calls on Unix systems with flock(2): every Unix that Go
// builds for but AIX and Solaris (illumos has flock).

package filestore

import (
	"os"
	"syscall"
)

// supported reports whether this build can run the store: flock(2) and
// O_NOFOLLOW exist on this operating system.
const supported = true

// openFile opens path without following a final symbolic link, retrying on
// EINTR. A missing file returns an error satisfying errors.Is(err,
// fs.ErrNotExist); a symbolic link returns errSymlink.
func openFile(path string, flags int, perm uint32) (int, error) {
	for {
		// O_NONBLOCK: opening a FIFO planted in the directory must not
		// block (statOwned then refuses it as not a regular file). It is
		// cleared again at once; it means nothing to regular files.
		fd, err := syscall.Open(path, flags|syscall.O_NOFOLLOW|syscall.O_CLOEXEC|syscall.O_NONBLOCK, perm)
		if err == nil {
			if err := syscall.SetNonblock(fd, false); err != nil {
				syscall.Close(fd)
				return -1, &os.PathError{Op: "open", Path: path, Err: err}
			}
			return fd, nil
		}
		switch err {
		case syscall.EINTR:
			continue
		case syscall.ELOOP, syscall.EMLINK:
			// Linux reports ELOOP for O_NOFOLLOW on a link; FreeBSD
			// reports EMLINK.
			return -1, errSymlink
		case syscall.EISDIR:
			return -1, errNotRegular
		}
		return -1, &os.PathError{Op: "open", Path: path, Err: err}
	}
}

// statOwned returns fd's identity and size, refusing anything that is not a
// regular file owned by the process's effective user.
func statOwned(fd int) (fileInfo, error) {
	var st syscall.Stat_t
	if err := fstat(fd, &st); err != nil {
		return fileInfo{}, err
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return fileInfo{}, errNotRegular
	}
	if int(st.Uid) != euid {
		return fileInfo{}, errNotOwned
	}
	return fileInfo{dev: uint64(st.Dev), ino: uint64(st.Ino), size: st.Size}, nil
}

func fstat(fd int, st *syscall.Stat_t) error {
	for {
		err := syscall.Fstat(fd, st)
		if err != syscall.EINTR {
			if err != nil {
				return &os.SyscallError{Syscall: "fstat", Err: err}
			}
			return nil
		}
	}
}

// euid is the effective user id files must belong to.
var euid = os.Geteuid()

// ownedBy reports whether a FileInfo from os.Lstat belongs to the process's
// user.
func ownedBy(fi os.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == euid
}

// sameFile reports whether path currently names the file open as fd (same
// device and inode). A missing path is false, not an error.
func sameFile(fd int, path string) (bool, error) {
	var a, b syscall.Stat_t
	if err := fstat(fd, &a); err != nil {
		return false, err
	}
	for {
		err := syscall.Lstat(path, &b)
		if err == syscall.EINTR {
			continue
		}
		if err == syscall.ENOENT {
			return false, nil
		}
		if err != nil {
			return false, &os.PathError{Op: "lstat", Path: path, Err: err}
		}
		break
	}
	return a.Dev == b.Dev && a.Ino == b.Ino, nil
}

// preadFull reads len(b) bytes at off, failing on a short read.
func preadFull(fd int, b []byte, off int64) error {
	for len(b) > 0 {
		n, err := syscall.Pread(fd, b, off)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return &os.SyscallError{Syscall: "read", Err: err}
		}
		if n == 0 {
			return errShortRead
		}
		b, off = b[n:], off+int64(n)
	}
	return nil
}

// pwriteFull writes all of b at off.
func pwriteFull(fd int, b []byte, off int64) error {
	for len(b) > 0 {
		n, err := syscall.Pwrite(fd, b, off)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return &os.SyscallError{Syscall: "write", Err: err}
		}
		b, off = b[n:], off+int64(n)
	}
	return nil
}

// fsyncFd flushes fd's data and metadata to stable storage.
func fsyncFd(fd int) error {
	for {
		err := syscall.Fsync(fd)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return &os.SyscallError{Syscall: "fsync", Err: err}
		}
		return nil
	}
}

func closeFd(fd int) error {
	if err := syscall.Close(fd); err != nil {
		return &os.SyscallError{Syscall: "close", Err: err}
	}
	return nil
}

// tryFlock takes an exclusive flock on fd without blocking. It reports
// false when another open file description holds it.
func tryFlock(fd int) (bool, error) {
	for {
		err := syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB)
		switch err {
		case nil:
			return true, nil
		case syscall.EINTR:
			continue
		case syscall.EWOULDBLOCK:
			return false, nil
		}
		return false, &os.SyscallError{Syscall: "flock", Err: err}
	}
}

const (
	oRead   = syscall.O_RDONLY
	oRW     = syscall.O_RDWR
	oCreate = syscall.O_CREAT
	oExcl   = syscall.O_EXCL
	oWrite  = syscall.O_WRONLY
	oDir    = syscall.O_DIRECTORY
)
