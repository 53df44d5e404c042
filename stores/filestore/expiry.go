package filestore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"time"
)

// The expiry index: for a record of key K expiring at time E, an empty file
// e/<B>/K, where B is the Unix minute of E (seconds divided by 60, rounded
// down). Every record in bucket B has expired once the clock reaches the
// start of minute B+1, so a sweep reads only the buckets that have ended,
// in time proportional to their entries (the records that expired, and
// the entries left behind as below), and a sweep pass with nothing in them
// reads one directory of bucket names.
//
// Every live record has an entry in its own minute's bucket or in an
// earlier one. A Save or Touch that moves a record's expiry to an earlier
// minute creates the new entry before the record file changes and removes
// the old one after. One that moves it to a later minute (as sliding
// expiry does on almost every request) leaves the entry where it is: when
// that bucket ends, the sweep finds the record alive and moves the entry
// to the record's own minute. A session in use thus costs the index one
// move per idle timeout, made by the sweeper, instead of two file
// operations on each request that crosses a minute.
//
// The index is a superset of the truth: an entry whose record is gone,
// or expires later, costs the sweep one header read when its bucket ends,
// and is then removed (after making sure the record's own entry exists).
// Entries are not synced on their own (the record's directory sync that
// follows commits them on a journaling file system); [Store.Scrub]
// restores any that a crash lost.

// expiryWidth is the span of one expiry bucket.
const expiryWidth = 60

// bucketOf is the expiry bucket of a record expiring at t.
func bucketOf(t time.Time) int64 {
	sec := t.Unix()
	b := sec / expiryWidth
	if sec%expiryWidth < 0 {
		b--
	}
	return b
}

// bucketName and parseBucket convert between a bucket and its directory
// name.
func bucketName(b int64) string { return strconv.FormatInt(b, 10) }

func parseBucket(name string) (int64, bool) {
	b, err := strconv.ParseInt(name, 10, 64)
	return b, err == nil && bucketName(b) == name
}

// bucketStart is the first instant of bucket b.
func bucketStart(b int64) time.Time { return time.Unix(b*expiryWidth, 0) }

// bucketEnded reports whether every record of bucket b has expired at now.
func bucketEnded(b int64, now time.Time) bool { return !bucketStart(b + 1).After(now) }

func (s *Store) expiryPath(b int64, key string) string {
	return s.expDir + "/" + bucketName(b) + "/" + key
}

// maxBucketAttempts bounds addExpiry's retries of a bucket that a
// concurrent sweep keeps removing; each retry needs that removal to land
// between its Mkdir and its open again.
const maxBucketAttempts = 64

// addExpiry makes sure the expiry entry of key in bucket b exists.
func (s *Store) addExpiry(b int64, key string) error {
	dir := s.expDir + "/" + bucketName(b)
	path := dir + "/" + key
	for attempt := 0; ; attempt++ {
		fd, err := openFile(path, oWrite|oCreate|oExcl, 0o600)
		if err == nil {
			return closeFd(fd)
		}
		if errors.Is(err, fs.ErrExist) {
			return nil
		}
		// A new bucket, or one a sweep or prune just removed as empty
		// (which can happen again between our Mkdir and our open, while
		// sweeps run back to back over an ended bucket a save writes to).
		if !isNotExist(err) || attempt >= maxBucketAttempts {
			return err
		}
		if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
	}
}

// removeExpiry removes an expiry entry, reporting failure to the error
// handler only: a stale entry is harmless and removed by the sweep.
func (s *Store) removeExpiry(b int64, key string) {
	if err := removeName(s.expiryPath(b, key)); err != nil {
		s.report(fmt.Errorf("filestore: remove expiry index entry of %s: %w", key, err))
	}
}
