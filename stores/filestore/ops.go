package filestore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/session2/session2/core/session"
)

// openRecord opens the record file of key, checking it is a regular file
// owned by the process's user. A missing file is session.ErrNotFound; a
// refused one wraps ErrCorrupt.
func (s *Store) openRecord(key string, flags int) (int, fileInfo, error) {
	fd, err := openFile(s.recPath(key), flags, 0)
	if err != nil {
		switch {
		case errors.Is(err, errSymlink), errors.Is(err, errNotRegular):
			return -1, fileInfo{}, corrupt("%v", err)
		case isNotExist(err):
			return -1, fileInfo{}, session.ErrNotFound
		}
		return -1, fileInfo{}, err
	}
	fi, err := statOwned(fd)
	if err != nil {
		closeFd(fd) // read-only or failing anyway
		if errors.Is(err, errNotRegular) || errors.Is(err, errNotOwned) {
			return -1, fileInfo{}, corrupt("%v", err)
		}
		return -1, fileInfo{}, err
	}
	if fi.size > maxFileSize {
		closeFd(fd) // read-only
		return -1, fileInfo{}, corrupt("%d bytes, larger than any record", fi.size)
	}
	return fd, fi, nil
}

// readHead reads and checks key's whole record file, like readRecord, and
// returns its header and user (not its data). Errors as for openRecord.
func (s *Store) readHead(key string) (header, string, error) {
	fd, fi, err := s.openRecord(key, oRead)
	if err != nil {
		return header{}, "", err
	}
	defer closeFd(fd) // read-only
	return readHeadFd(fd, key, fi.size)
}

// smallFile is the size up to which readHeadFd reads into a buffer on the
// stack.
const smallFile = 1024

func readHeadFd(fd int, key string, size int64) (header, string, error) {
	if size < headerLen {
		return header{}, "", corrupt("%d bytes, shorter than a header", size)
	}
	var small [smallFile]byte
	var b []byte
	if size <= smallFile {
		b = small[:size]
	} else {
		b = make([]byte, size)
	}
	if err := preadFull(fd, b, 0); err != nil {
		return header{}, "", readErr(err)
	}
	h, err := parseHeader(key, b, size)
	if err == nil {
		err = h.checkBody(b[headerLen:])
	}
	if err != nil {
		return h, "", err
	}
	return h, string(b[headerLen : headerLen+h.userLen]), nil
}

// peekHead reads and checks only the header and user of key's record: the
// cheap first look of Prune's scan, confirmed by readHead under the lock.
func (s *Store) peekHead(key string) (header, string, error) {
	fd, fi, err := s.openRecord(key, oRead)
	if err != nil {
		return header{}, "", err
	}
	defer closeFd(fd) // read-only
	var small [headerLen + 128]byte
	b := small[:min(int64(len(small)), fi.size)]
	if err := preadFull(fd, b, 0); err != nil {
		return header{}, "", readErr(err)
	}
	h, err := parseHeader(key, b, fi.size)
	if err != nil {
		return h, "", err
	}
	if headerLen+h.userLen <= len(b) {
		return h, string(b[headerLen : headerLen+h.userLen]), nil
	}
	u := make([]byte, h.userLen)
	if err := preadFull(fd, u, headerLen); err != nil {
		return h, "", readErr(err)
	}
	return h, string(u), nil
}

func readErr(err error) error {
	if errors.Is(err, errShortRead) {
		return corrupt("truncated")
	}
	return err
}

// readRecord reads and checks the whole record of key, expired or not.
func (s *Store) readRecord(key string) (session.Record, error) {
	fd, fi, err := s.openRecord(key, oRead)
	if err != nil {
		return session.Record{}, err
	}
	if fi.size < headerLen {
		closeFd(fd) // read-only
		return session.Record{}, corrupt("%d bytes, shorter than a header", fi.size)
	}
	buf := make([]byte, fi.size)
	err = preadFull(fd, buf, 0)
	closeFd(fd) // read-only
	if err != nil {
		return session.Record{}, readErr(err)
	}
	h, err := parseHeader(key, buf, fi.size)
	if err != nil {
		return session.Record{}, err
	}
	body := buf[headerLen:]
	if err := h.checkBody(body); err != nil {
		return session.Record{}, err
	}
	return session.Record{
		User:     string(body[:h.userLen]),
		Data:     body[h.userLen:len(body):len(body)],
		Created:  h.created,
		Accessed: h.accessed,
		Expires:  h.expires,
		Version:  h.version,
	}, nil
}

// Load returns the record stored for key. A missing or expired record is
// session.ErrNotFound. A record file that fails its checks (see
// [ErrCorrupt]) is reported to the error handler and returned as an error
// wrapping both session.ErrNotFound and ErrCorrupt. Load takes no lock.
func (s *Store) Load(ctx context.Context, key string) (session.Record, error) {
	if err := s.checkKey(ctx, "load", key); err != nil {
		return session.Record{}, err
	}
	rec, err := s.readRecord(key)
	if err != nil {
		if err == session.ErrNotFound {
			return session.Record{}, err
		}
		err = fmt.Errorf("filestore: load %s: %w", key, err)
		if errors.Is(err, ErrCorrupt) {
			s.report(err)
		}
		return session.Record{}, err
	}
	if !rec.Expires.After(s.opt.now()) {
		return session.Record{}, session.ErrNotFound
	}
	return rec, nil
}

// Save stores rec under key with compare-and-set on rec.Version, as
// session.Store documents, holding the key's lock from the version check
// to the rename. The new file is written and synced under a temporary
// name, renamed over the old one, and the directory synced, so a Save
// that returned nil survives a crash, and one that failed leaves the old
// record in place. A record file that fails its checks counts as absent.
func (s *Store) Save(ctx context.Context, key string, rec session.Record) error {
	if err := s.checkKey(ctx, "save", key); err != nil {
		return err
	}
	if rec.Version == math.MaxUint64 {
		return fmt.Errorf("filestore: save %s: version overflow", key)
	}
	buf, err := encodeRecord(key, rec, rec.Version+1)
	if err != nil {
		return fmt.Errorf("filestore: save %s: %w", key, err)
	}
	l, err := s.lockKey(ctx, key, true)
	if err != nil {
		return fmt.Errorf("filestore: save %s: %w", key, err)
	}
	h, oldUser, err := s.readHead(key)
	present := err == nil
	switch {
	case err == nil, err == session.ErrNotFound:
	case errors.Is(err, ErrCorrupt):
		s.report(fmt.Errorf("filestore: save %s: replacing: %w", key, err))
	default:
		l.unlock()
		return fmt.Errorf("filestore: save %s: %w", key, err)
	}
	if (rec.Version == 0 && present) || (rec.Version > 0 && (!present || h.version != rec.Version)) {
		l.unlock()
		return fmt.Errorf("filestore: save %s: %w", key, session.ErrConflict)
	}
	if rec.User != "" {
		if err := s.addIndex(rec.User, key); err != nil {
			l.unlock()
			return fmt.Errorf("filestore: save %s: user index: %w", key, err)
		}
	}
	newBucket := bucketOf(rec.Expires)
	moved := !present || newBucket < bucketOf(h.expires) // see expiry.go: a later expiry leaves the entry
	if moved {
		if err := s.addExpiry(newBucket, key); err != nil {
			l.unlock()
			return fmt.Errorf("filestore: save %s: expiry index: %w", key, err)
		}
	}
	if err := s.writeRecord(key, buf); err != nil {
		l.unlock()
		return fmt.Errorf("filestore: save %s: %w", key, err)
	}
	if present && oldUser != "" && oldUser != rec.User {
		s.removeIndex(oldUser, key)
	}
	if present && moved {
		s.removeExpiry(bucketOf(h.expires), key)
	}
	l.unlock()
	return nil
}

// writeRecord writes buf as key's record file: temporary file, fsync,
// rename, fsync of the directory. The caller holds key's lock.
func (s *Store) writeRecord(key string, buf []byte) error {
	tmp := s.tmpPath(key)
	if err := removeName(tmp); err != nil {
		return err
	}
	fd, err := openFile(tmp, oWrite|oCreate|oExcl, 0o600)
	if err != nil {
		return err
	}
	err = pwriteFull(fd, buf, 0)
	if err == nil {
		err = fsyncFd(fd)
	}
	if cerr := closeFd(fd); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, s.recPath(key))
	}
	if err != nil {
		removeName(tmp) // best effort; the sweeper retries
		return err
	}
	return fsyncDir(s.shardDir(key))
}

// Delete removes key's record and its index entries.
// Deleting a missing key is not an error. The removal is synced to disk
// before Delete returns, so a logout survives a crash.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.checkKey(ctx, "delete", key); err != nil {
		return err
	}
	l, err := s.lockKey(ctx, key, true)
	if err != nil {
		return fmt.Errorf("filestore: delete %s: %w", key, err)
	}
	defer l.unlock()
	if _, err := s.removeLocked(key); err != nil {
		return fmt.Errorf("filestore: delete %s: %w", key, err)
	}
	return nil
}

// removeLocked removes key's record and index entry, holding its lock, and
// syncs the directory. It reports whether a record file was there.
func (s *Store) removeLocked(key string) (bool, error) {
	h, user, err := s.readHead(key)
	if err == session.ErrNotFound {
		return false, nil
	}
	if err := removeName(s.recPath(key)); err != nil {
		return false, err
	}
	if err := fsyncDir(s.shardDir(key)); err != nil {
		return true, err
	}
	s.unindex(key, h, user, err == nil)
	return true, nil
}

// unindex removes the index entries of a record just removed, whose header
// h and user were read (ok) or could not be (a corrupt file, whose entries
// the sweep removes when it reaches them).
func (s *Store) unindex(key string, h header, user string, ok bool) {
	if !ok {
		return
	}
	if user != "" {
		s.removeIndex(user, key)
	}
	s.removeExpiry(bucketOf(h.expires), key)
}

// Touch sets the record's Accessed and Expires by rewriting the spare one
// of the two 40-byte slots in its header, under the key's lock; the data
// is not rewritten and the version is unchanged. It returns
// session.ErrNotFound when there is no live record. Touch does not fsync:
// after a crash a record may come back with its previous access and expiry
// times, never torn (each slot has its own checksum).
func (s *Store) Touch(ctx context.Context, key string, accessed, expires time.Time) error {
	if err := s.checkKey(ctx, "touch", key); err != nil {
		return err
	}
	l, err := s.lockKey(ctx, key, true)
	if err != nil {
		return fmt.Errorf("filestore: touch %s: %w", key, err)
	}
	fd, fi, err := s.openRecord(key, oRW)
	if err != nil {
		l.unlock()
		return s.touchErr(key, err)
	}
	err = s.touchFd(fd, key, fi.size, accessed, expires)
	if cerr := closeFd(fd); err == nil {
		err = cerr
	}
	l.unlock()
	if err != nil {
		return s.touchErr(key, err)
	}
	return nil
}

func (s *Store) touchErr(key string, err error) error {
	if err == session.ErrNotFound {
		return err
	}
	err = fmt.Errorf("filestore: touch %s: %w", key, err)
	if errors.Is(err, ErrCorrupt) {
		s.report(err)
	}
	return err
}

// touchFd writes the new times into the spare slot of the record open as
// fd, moving its expiry index entry first when the expiry moves to an
// earlier minute.
func (s *Store) touchFd(fd int, key string, size int64, accessed, expires time.Time) error {
	h, _, err := readHeadFd(fd, key, size)
	if err != nil {
		return err
	}
	if !h.expires.After(s.opt.now()) {
		return session.ErrNotFound
	}
	oldBucket, newBucket := bucketOf(h.expires), bucketOf(expires)
	moved := newBucket < oldBucket // see expiry.go: a later expiry leaves the entry
	if moved {
		if err := s.addExpiry(newBucket, key); err != nil {
			return fmt.Errorf("expiry index: %w", err)
		}
	}
	other := 1 - h.slot
	var slot [slotLen]byte
	putSlot(slot[:], h.fixedCRC, h.seq+1, accessed, expires)
	if err := pwriteFull(fd, slot[:], int64(fixedLen+other*slotLen)); err != nil {
		return err
	}
	if moved {
		s.removeExpiry(oldBucket, key)
	}
	return nil
}

// removeName removes a file, ignoring one already gone.
func removeName(path string) error {
	if err := os.Remove(path); err != nil && !isNotExist(err) {
		return err
	}
	return nil
}

// fsyncDir syncs a directory, making renames and removals in it durable.
func fsyncDir(path string) error {
	fd, err := openFile(path, oRead|oDir, 0)
	if err != nil {
		return err
	}
	err = fsyncFd(fd)
	if cerr := closeFd(fd); err == nil {
		err = cerr
	}
	return err
}
