package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/session2/session2/core/session"
	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// ErrLocked is wrapped by the error [Open] returns when the database file
// stays locked for the whole open timeout: another process (or another Open
// in this process) has it open.
var ErrLocked = errors.New("boltstore: database file is locked by another process")

// errNoBuckets reports a database on which Setup has not run.
var errNoBuckets = errors.New("store buckets missing (run Setup on this database)")

// Store is a [session.Store] in a bbolt database file. It is safe for
// concurrent use by many goroutines of one process; bbolt's file lock keeps
// other processes out.
type Store struct {
	db    *bbolt.DB
	owned bool // db was opened by Open and is closed by Close
	cfg   config
	name  []byte // top-level bucket

	closed      atomic.Bool
	closeOnce   sync.Once
	closeErr    error
	stopSweeper func() // stops the sweeper and waits for it; nil when read-only
}

var _ session.Store = (*Store)(nil)

// New returns a store in db, an application's open bbolt handle, after
// running [Store.Setup] on it (the store's buckets are created if missing).
// [Store.Close] stops the sweeper but leaves db open. On a read-only db the
// buckets must already exist, no sweeper runs and writes fail.
//
// Open db with the options [BoltOptions] returns (or at least its
// NoFreelistSync and FreelistType): with bbolt's defaults every commit
// writes the whole freelist, and allocates pages by scanning it, so once
// many sessions have been deleted (the sweeper's daily work) every Save
// and every pruned batch costs time proportional to the free pages.
func New(db *bbolt.DB, opts ...Option) (*Store, error) {
	if db == nil {
		return nil, fmt.Errorf("boltstore: %w: nil *bbolt.DB", session.ErrInvalidConfig)
	}
	cfg := defaultConfig()
	if err := cfg.apply(opts); err != nil {
		return nil, err
	}
	return newStore(db, false, cfg)
}

// Open opens (creating it with mode 0600 if needed) the bbolt database file
// at path and returns a store in it; [Store.Close] closes the file. If
// another process holds the file, Open fails after the open timeout (see
// [WithOpenTimeout]) with an error wrapping [ErrLocked] rather than waiting
// forever.
func Open(path string, opts ...Option) (*Store, error) {
	if path == "" {
		return nil, fmt.Errorf("boltstore: %w: empty path", session.ErrInvalidConfig)
	}
	cfg := defaultConfig()
	if err := cfg.apply(opts); err != nil {
		return nil, err
	}
	bo := BoltOptions()
	bo.Timeout = cfg.openTimeout
	db, err := bbolt.Open(path, 0o600, bo)
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("boltstore: open %s: no lock after %s: %w", path, cfg.openTimeout, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	s, err := newStore(db, true, cfg)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

// BoltOptions returns the bbolt options [Open] uses, for an application
// that opens the database itself and passes it to [New]:
//
//   - NoFreelistSync: the freelist is not written at every commit. bbolt's
//     default rewrites the whole list of free pages in each transaction
//     (132 KB per Save at a million sessions after mass deletes); without
//     it, Open rebuilds the list by scanning the file once instead, which
//     costs a moment at start on a large file.
//   - FreelistType [bbolt.FreelistMapType]: free pages are found through a
//     hash map rather than by scanning a sorted array, so allocating pages
//     stays cheap however many pages the deletes freed.
//
// Timeout is left zero; Open sets it from [WithOpenTimeout].
func BoltOptions() *bbolt.Options {
	return &bbolt.Options{NoFreelistSync: true, FreelistType: bbolt.FreelistMapType}
}

func newStore(db *bbolt.DB, owned bool, cfg config) (*Store, error) {
	s := &Store{db: db, owned: owned, cfg: cfg, name: []byte(cfg.bucket)}
	if db.IsReadOnly() {
		if err := db.View(func(tx *bbolt.Tx) error { return s.checkSchema(tx) }); err != nil {
			return nil, fmt.Errorf("boltstore: setup: %w", err)
		}
		return s, nil
	}
	if err := s.Setup(context.Background()); err != nil {
		return nil, err
	}
	s.stopSweeper = session.StartSweeper(cfg.sweepInterval, s.sweep)
	return s, nil
}

// DB returns the bbolt handle the store uses.
func (s *Store) DB() *bbolt.DB { return s.db }

// Capabilities reports that the store is safe for goroutines and durable,
// but used by one process only (bbolt locks the file) and one host.
func (s *Store) Capabilities() session.Capabilities {
	return session.Capabilities{Goroutines: true, Processes: false, Durable: true, Shared: false}
}

type buckets struct {
	records, expiry, users *bbolt.Bucket
}

func (s *Store) buckets(tx *bbolt.Tx) (buckets, error) {
	top := tx.Bucket(s.name)
	if top == nil {
		return buckets{}, errNoBuckets
	}
	b := buckets{
		records: top.Bucket(bucketRecords),
		expiry:  top.Bucket(bucketExpiry),
		users:   top.Bucket(bucketUsers),
	}
	if b.records == nil || b.expiry == nil || b.users == nil {
		return buckets{}, errNoBuckets
	}
	return b, nil
}

// check reports a cancelled context or a closed store.
func (s *Store) check(ctx context.Context, op string) error {
	if ctx == nil {
		return fmt.Errorf("boltstore: %s: nil context", op)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("boltstore: %s: %w", op, err)
	}
	if s.closed.Load() {
		return fmt.Errorf("boltstore: %s: %w", op, session.ErrClosed)
	}
	return nil
}

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		err = session.ErrClosed
	}
	return fmt.Errorf("boltstore: %s: %w", op, err)
}

// Load returns the record for key, or an error wrapping
// [session.ErrNotFound] when there is none, it has expired, or it cannot be
// decoded (the error then also says the record is corrupt).
func (s *Store) Load(ctx context.Context, key string) (session.Record, error) {
	if err := s.check(ctx, "load"); err != nil {
		return session.Record{}, err
	}
	k, ok := parseKey(key)
	if !ok {
		return session.Record{}, fmt.Errorf("boltstore: load: %w", session.ErrInvalidKey)
	}
	var rec session.Record
	err := s.db.View(func(tx *bbolt.Tx) error {
		// Only the records bucket: opening a bucket allocates in bbolt.
		top := tx.Bucket(s.name)
		if top == nil {
			return errNoBuckets
		}
		records := top.Bucket(bucketRecords)
		if records == nil {
			return errNoBuckets
		}
		raw := records.Get(k[:])
		if raw == nil {
			return session.ErrNotFound
		}
		v, err := decodeRecord(raw)
		if err != nil {
			return fmt.Errorf("%w: %w", session.ErrNotFound, err)
		}
		if !v.expire.After(s.cfg.now()) {
			return session.ErrNotFound
		}
		rec = v.record()
		return nil
	})
	if err != nil {
		return session.Record{}, wrap("load", err)
	}
	return rec, nil
}

// Save stores rec for key with compare-and-set on rec.Version inside one
// bbolt write transaction, which also updates the expiry and user indexes.
// A key holding a record that cannot be decoded is a conflict.
func (s *Store) Save(ctx context.Context, key string, rec session.Record) error {
	if err := s.check(ctx, "save"); err != nil {
		return err
	}
	k, ok := parseKey(key)
	if !ok {
		return fmt.Errorf("boltstore: save: %w", session.ErrInvalidKey)
	}
	if len(rec.User) > MaxUserLen {
		return fmt.Errorf("boltstore: save: user of %d bytes exceeds the limit of %d", len(rec.User), MaxUserLen)
	}
	if len(rec.Data) > bbolt.MaxValueSize-headerLen-binary.MaxVarintLen64-len(rec.User) {
		return fmt.Errorf("boltstore: save: %w: %d bytes of data", session.ErrTooLarge, len(rec.Data))
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b, err := s.buckets(tx)
		if err != nil {
			return err
		}
		val := encodeRecord(session.Record{
			User: rec.User, Data: rec.Data, Version: rec.Version + 1,
			Created: rec.Created, Accessed: rec.Accessed, Expires: rec.Expires,
		})
		old := b.records.Get(k[:])
		if old == nil {
			if rec.Version != 0 {
				return session.ErrConflict
			}
			if err := b.records.Put(k[:], val); err != nil {
				return err
			}
			return b.index(k[:], view{}, val, true)
		}
		v, err := decodeRecord(old)
		if err != nil || rec.Version == 0 || v.version != rec.Version {
			return session.ErrConflict
		}
		// Index entries that stay the same are not rewritten: each bucket
		// changed costs bbolt a page or more at commit.
		if err := b.index(k[:], v, val, false); err != nil {
			return err
		}
		return b.records.Put(k[:], val)
	})
	return wrap("save", err)
}

// index moves the index entries of the record at k from what the old
// record v called for (nothing when created) to what the encoded record
// val calls for, leaving alone those that do not change.
func (b buckets) index(k []byte, v view, val []byte, created bool) error {
	nv, err := decodeRecord(val)
	if err != nil {
		return err
	}
	if created || !bytes.Equal(v.rawExpire, nv.rawExpire) {
		if !created {
			if err := b.expiry.Delete(expiryKey(v.rawExpire, k)); err != nil {
				return err
			}
		}
		if err := b.expiry.Put(expiryKey(nv.rawExpire, k), []byte{}); err != nil {
			return err
		}
	}
	if !created && bytes.Equal(v.user, nv.user) {
		return nil
	}
	if len(v.user) > 0 {
		if err := b.users.Delete(userKey(v.user, k)); err != nil {
			return err
		}
	}
	if len(nv.user) > 0 {
		return b.users.Put(userKey(nv.user, k), []byte{})
	}
	return nil
}

// unindex removes the index entries of the record v at k.
func (b buckets) unindex(k []byte, v view) error {
	if err := b.expiry.Delete(expiryKey(v.rawExpire, k)); err != nil {
		return err
	}
	if len(v.user) == 0 {
		return nil
	}
	return b.users.Delete(userKey(v.user, k))
}

// remove deletes the record at k and its index entries; a record that
// cannot be decoded is deleted alone (its index entries, if any, are then
// dropped by the sweeper or Prune when they reach them).
func (b buckets) remove(k []byte) error {
	raw := b.records.Get(k)
	if raw == nil {
		return nil
	}
	if v, err := decodeRecord(raw); err == nil {
		if err := b.unindex(k, v); err != nil {
			return err
		}
	}
	return b.records.Delete(k)
}

// Delete removes the record for key and its index entries. A missing key
// is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.check(ctx, "delete"); err != nil {
		return err
	}
	k, ok := parseKey(key)
	if !ok {
		return fmt.Errorf("boltstore: delete: %w", session.ErrInvalidKey)
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b, err := s.buckets(tx)
		if err != nil {
			return err
		}
		return b.remove(k[:])
	})
	return wrap("delete", err)
}

// Touch sets the record's Accessed and Expires and moves its expiry index
// entry, in one write transaction; the data and version stay. It returns an
// error wrapping [session.ErrNotFound] when there is no live record.
func (s *Store) Touch(ctx context.Context, key string, accessed, expires time.Time) error {
	if err := s.check(ctx, "touch"); err != nil {
		return err
	}
	k, ok := parseKey(key)
	if !ok {
		return fmt.Errorf("boltstore: touch: %w", session.ErrInvalidKey)
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b, err := s.buckets(tx)
		if err != nil {
			return err
		}
		raw := b.records.Get(k[:])
		if raw == nil {
			return session.ErrNotFound
		}
		v, err := decodeRecord(raw)
		if err != nil {
			return fmt.Errorf("%w: %w", session.ErrNotFound, err)
		}
		if !v.expire.After(s.cfg.now()) {
			return session.ErrNotFound
		}
		// bbolt values are immutable in place: write a patched copy.
		nb := make([]byte, len(raw))
		copy(nb, raw)
		putTime(nb[9+timeLen:], accessed)
		putTime(nb[9+2*timeLen:], expires)
		if newExpire := nb[9+2*timeLen : headerLen]; !bytes.Equal(v.rawExpire, newExpire) {
			if err := b.expiry.Delete(expiryKey(v.rawExpire, k[:])); err != nil {
				return err
			}
			if err := b.expiry.Put(expiryKey(newExpire, k[:]), []byte{}); err != nil {
				return err
			}
		}
		return b.records.Put(k[:], nb)
	})
	return wrap("touch", err)
}

// Close stops the sweeper and, for a store made by [Open], closes the
// database file; a handle passed to [New] stays open. Later calls of the
// store's methods return errors wrapping [session.ErrClosed]. Close is
// idempotent.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		if s.stopSweeper != nil { // nil on a read-only handle
			s.stopSweeper()
		}
		s.closed.Store(true)
		if s.owned {
			if err := s.db.Close(); err != nil {
				s.closeErr = fmt.Errorf("boltstore: close: %w", err)
			}
		}
	})
	return s.closeErr
}

// sweep deletes the expired records, for the sweeper that runs it every
// sweep interval until Close ends ctx.
func (s *Store) sweep(ctx context.Context) {
	n, err := s.prune(ctx, session.Filter{ExpiresBefore: s.cfg.now()}, "sweep")
	if ctx.Err() != nil {
		return // Close stopped the sweep: nothing to report
	}
	if err != nil {
		s.cfg.logger.Error("boltstore: sweeper failed", "bucket", s.cfg.bucket, "path", s.db.Path(), "err", err)
	}
	if s.cfg.afterSweep != nil {
		s.cfg.afterSweep(n, err)
	}
}
