// Package filestore is a session store that keeps one file per session in a
// directory: session2's DirectorySessionStore, safe for many goroutines and
// for many processes on one host sharing the directory.
//
// Records are spread over 256 subdirectories by the first two hex digits
// of their key. A record is written to a temporary file, synced, and
// renamed over the old file, and its directory is synced: a reader sees
// the old record or the new one, never a torn one, and needs no lock.
// Compare-and-set takes a per-key lock, with a timeout, around the
// version check and the rename: on Linux an open file description lock on
// one byte of a single lock file, elsewhere flock(2) on a lock file that
// exists only while the lock is held. An index of expiry minutes lets the sweeper read only what
// has expired, and a user index serves "log out everywhere". Touch rewrites only a
// small checksummed slot of the file's header. Every record file carries
// the key it belongs to and checksums, and a file that fails any check (or
// is a symbolic link, or not owned by the process's user) is reported and
// treated as not found.
//
// Open one with [New] or through the session store registry with the URL
// "file:DIR" (see [session.OpenStore]).
package filestore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/session2/session2/core/session"
)

// Default option values.
const (
	DefaultSweepInterval = time.Minute
	DefaultLockTimeout   = 5 * time.Second
)

// Store is a directory of session record files. It is safe for concurrent
// use by many goroutines and by several processes opening the same
// directory on a local file system. Create one with [New].
type Store struct {
	dir     string // absolute
	recDir  string // dir/r: record files, dir/r/<first two hex digits of the key>/<key>
	tmpDir  string // dir/t: the temporary files of records being written
	lockDir string // dir/l: outside Linux, the lock files of the keys locked right now
	userDir string // dir/u: the user index, dir/u/<sha256(user)>/<key>
	expDir  string // dir/e: the expiry index, dir/e/<Unix minute of Expires>/<key>
	opt     options
	locks   locker

	closed      atomic.Bool
	closeOnce   sync.Once
	stopSweeper func() // stops the sweeper and waits for it
}

type options struct {
	sweep       time.Duration
	lockTimeout time.Duration
	now         func() time.Time
	onError     func(error)
	err         error
}

// Option configures a Store in [New].
type Option func(*options)

// WithSweepInterval sets how often a background goroutine removes expired
// records and stale temporary and lock files (see [Store.Sweep]).
// The default is one minute; 0 disables the sweeper (run [Store.Sweep]
// yourself, for example from cron through sessionctl). Negative intervals
// are an error.
func WithSweepInterval(d time.Duration) Option {
	return func(o *options) {
		if d < 0 {
			o.err = errors.Join(o.err, fmt.Errorf("filestore: negative sweep interval %v", d))
		}
		o.sweep = d
	}
}

// WithLockTimeout sets how long Save, Delete, Touch and Prune wait for a
// record's lock held by another goroutine or process before failing with
// [ErrLockTimeout]. The default is 5 seconds; it must be positive.
func WithLockTimeout(d time.Duration) Option {
	return func(o *options) {
		if d <= 0 {
			o.err = errors.Join(o.err, fmt.Errorf("filestore: lock timeout %v is not positive", d))
		}
		o.lockTimeout = d
	}
}

// WithClock sets the function giving the current time, against which
// expiry is judged (default time.Now). It must not be nil.
func WithClock(now func() time.Time) Option {
	return func(o *options) {
		if now == nil {
			o.err = errors.Join(o.err, errors.New("filestore: nil clock"))
		}
		o.now = now
	}
}

// WithErrorHandler sets the function told about problems that do not fail
// the call at hand: a corrupt or refused record file (which Load reports as
// not found), a sweep that failed, a lock file that could not be removed.
// The default logs them with slog.Default at level Warn. Errors name keys,
// never tokens. The function may be called from several goroutines at
// once, including the sweeper's.
func WithErrorHandler(f func(error)) Option {
	return func(o *options) {
		if f == nil {
			o.err = errors.Join(o.err, errors.New("filestore: nil error handler"))
		}
		o.onError = f
	}
}

func init() {
	session.RegisterStore("file", openURL)
}

// openURL opens "file:DIR", "file:/abs/dir" or "file:///abs/dir", with the
// optional query parameters sweep and lock_timeout (Go durations).
func openURL(_ context.Context, u *url.URL) (session.Store, error) {
	dir := session.URLPath(u)
	if dir == "" {
		return nil, errors.New(`filestore: store URL has no directory (use "file:DIR" or "file:/abs/dir")`)
	}
	opts, err := session.URLOptions(u,
		session.DurationParam("sweep", WithSweepInterval),
		session.DurationParam("lock_timeout", WithLockTimeout))
	if err != nil {
		return nil, fmt.Errorf("filestore: %w", err)
	}
	s, err := New(dir, opts...)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// New opens the store kept in dir, creating the directory (mode 0700) if
// needed and running [Store.Setup]. It starts the sweeper unless
// [WithSweepInterval](0) is given; [Store.Close] stops it.
//
// On operating systems without flock(2) (such as Windows) New returns an
// error.
func New(dir string, opts ...Option) (*Store, error) {
	if !supported {
		return nil, errors.New("filestore: not supported on this operating system (needs flock and O_NOFOLLOW)")
	}
	o := options{
		sweep:       DefaultSweepInterval,
		lockTimeout: DefaultLockTimeout,
		now:         time.Now,
		onError:     func(err error) { slog.Warn(err.Error()) },
	}
	for _, opt := range opts {
		opt(&o)
	}
	if o.err != nil {
		return nil, o.err
	}
	if dir == "" {
		return nil, errors.New("filestore: empty directory name")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("filestore: %w", err)
	}
	s := &Store{
		dir:     abs,
		recDir:  filepath.Join(abs, "r"),
		tmpDir:  filepath.Join(abs, "t"),
		lockDir: filepath.Join(abs, "l"),
		userDir: filepath.Join(abs, "u"),
		expDir:  filepath.Join(abs, "e"),
		opt:     o,
	}
	if err := s.Setup(context.Background()); err != nil {
		return nil, err
	}
	s.stopSweeper = session.StartSweeper(o.sweep, func(ctx context.Context) {
		if _, err := s.sweep(ctx); err != nil && ctx.Err() == nil {
			s.report(err)
		}
	})
	return s, nil
}

// Dir returns the store's directory as an absolute path.
func (s *Store) Dir() string { return s.dir }

// Capabilities reports a store safe across goroutines and across processes
// on one host, durable, and not shared across hosts (network file systems
// are not supported).
func (s *Store) Capabilities() session.Capabilities {
	return session.Capabilities{Goroutines: true, Processes: true, Durable: true, Shared: false}
}

// Close stops the sweeper, waiting for a sweep in progress to end. Calls
// after Close return an error wrapping session.ErrClosed. Close is
// idempotent and always returns nil.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		s.stopSweeper()
	})
	return nil
}

func (s *Store) report(err error) {
	s.opt.onError(err)
}

// check is the common prologue of every method.
func (s *Store) check(ctx context.Context, op string) error {
	if s.closed.Load() {
		return fmt.Errorf("filestore: %s: %w", op, session.ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("filestore: %s: %w", op, err)
	}
	return nil
}

// checkKey is the prologue of the methods given a key.
func (s *Store) checkKey(ctx context.Context, op string, key string) error {
	if !session.IsKey(key) {
		return fmt.Errorf("filestore: %s: %w", op, session.ErrInvalidKey)
	}
	return s.check(ctx, op)
}

// shardDir is the directory of key's record file: records are spread over
// 256 subdirectories by the first two hex digits of their key, so that no
// directory holds more than a few thousand entries at a million sessions.
func (s *Store) shardDir(key string) string { return s.recDir + "/" + key[:2] }
func (s *Store) recPath(key string) string  { return s.recDir + "/" + key[:2] + "/" + key }

// tmpPath is the temporary file of key's next record. Only the holder of
// the key's lock writes it, so one name per key is enough; one left by a
// crashed writer is replaced by the next Save and removed by the sweeper.
func (s *Store) tmpPath(key string) string { return s.tmpDir + "/" + key }

// shards are the names of the record subdirectories, "00" to "ff".
var shards = func() []string {
	out := make([]string, 256)
	for i := range out {
		out[i] = fmt.Sprintf("%02x", i)
	}
	return out
}()

// userHash names a user's index directory: the hex SHA-256 of the name, so
// any user name is a safe file name and names differing only in case stay
// distinct on a case-insensitive file system.
func userHash(user string) string {
	h := sha256.Sum256([]byte(user))
	return hex.EncodeToString(h[:])
}

func (s *Store) indexDir(user string) string       { return s.userDir + "/" + userHash(user) }
func (s *Store) indexPath(user, key string) string { return s.indexDir(user) + "/" + key }
