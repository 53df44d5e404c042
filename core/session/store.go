package session

import (
	"context"
	"errors"
	"iter"
	"time"
)

// Sentinel errors. Compare with [errors.Is]; stores and the manager wrap them
// with context.
var (
	// ErrNotFound is returned by Store.Load and Store.Touch when no record
	// exists for the key, or when the record has expired; and by [GetAs]
	// for a key the Map does not hold.
	ErrNotFound = errors.New("session: not found")

	// ErrConflict is returned by Store.Save when the compare-and-set fails:
	// a record was to be created but the key exists, or a record was to be
	// updated but its stored version differs from the caller's, or it no
	// longer exists.
	ErrConflict = errors.New("session: version conflict")

	// ErrTooLarge reports an encoded session larger than the manager's size
	// limit, on load or on save.
	ErrTooLarge = errors.New("session: encoded session exceeds the size limit")

	// ErrUnencodable reports session data that the codec cannot encode: a
	// Map value JSON cannot encode (a channel, a function, NaN), named by
	// its key and type. The commit fails, nothing is saved, and the
	// default error handler answers 500.
	ErrUnencodable = errors.New("session: cannot encode the session data")

	// ErrStoreFull is returned by a store with a capacity limit when a new
	// record would exceed it.
	ErrStoreFull = errors.New("session: store is full")

	// ErrClosed is returned by a store's methods after Close.
	ErrClosed = errors.New("session: store is closed")

	// ErrInvalidKey is returned by a store given a key that is not of the
	// shape described by [IsKey].
	ErrInvalidKey = errors.New("session: invalid store key")

	// ErrUnknownScheme is returned by [OpenStore] for a URL whose scheme no
	// store has registered.
	ErrUnknownScheme = errors.New("session: no store registered for URL scheme")

	// ErrInvalidConfig is returned by [New] for an invalid combination of
	// options.
	ErrInvalidConfig = errors.New("session: invalid configuration")

	// ErrCommitted is returned by Session.SetUser, Session.Renew and
	// Session.NewFormToken once the session was committed (the response's
	// first byte went out): the change could no longer be saved.
	ErrCommitted = errors.New("session: already committed; change the session before writing the response")

	// ErrDiscarded is returned by writes to a response whose session commit
	// failed: the error handler answered instead.
	ErrDiscarded = errors.New("session: response replaced by the error handler")
)

// KeyLen is the length of a store key: the lowercase hexadecimal SHA-256 of
// a session token.
const KeyLen = 64

// IsKey reports whether s has the shape of a store key: exactly [KeyLen]
// lowercase hexadecimal characters. Stores may rely on the manager passing
// only such keys, and should reject others with [ErrInvalidKey]; a key of
// this shape can never contain a path separator or a quote.
func IsKey(s string) bool {
	if len(s) != KeyLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Record is what a store keeps for one key.
type Record struct {
	// User is the session's user, empty when anonymous. Stores index it so
	// that every session of one user can be listed or pruned cheaply.
	User string
	// Data is the encoded session. Stores treat it as opaque bytes.
	Data []byte
	// Created is when the session was first stored.
	Created time.Time
	// Accessed is when the session was last used.
	Accessed time.Time
	// Expires is when the session stops being valid. Load reports
	// ErrNotFound for a record whose Expires is not after the current time.
	Expires time.Time
	// Version counts the saves of the record. It is 1 after the first Save
	// and grows by one with every successful Save; Touch leaves it alone.
	Version uint64
}

// Entry is one record yielded by Store.List, with its key.
type Entry struct {
	// Key is the record's store key.
	Key string
	// Record is the record as it was read.
	Record Record
}

// Filter selects records for Store.List and Store.Prune. Every set field
// must match (a logical AND); the zero Filter matches every record, expired
// or not.
type Filter struct {
	// User, when not empty, matches only that user's records, compared
	// byte for byte (no case folding, no trailing-space padding, no
	// pattern matching). Stores answer
	// it through their user index, in time proportional to that user's
	// records, not to the size of the store.
	User string
	// ExpiresBefore, when not zero, matches records whose Expires is not
	// after it: pass the current time to select the expired records.
	ExpiresBefore time.Time
	// AccessedBefore, when not zero, matches records last accessed before
	// it: pass now minus an idle period to select idle sessions.
	AccessedBefore time.Time
}

// Match reports whether r matches f. Stores may use it to filter in code.
func (f Filter) Match(r Record) bool {
	if f.User != "" && r.User != f.User {
		return false
	}
	if !f.ExpiresBefore.IsZero() && r.Expires.After(f.ExpiresBefore) {
		return false
	}
	if !f.AccessedBefore.IsZero() && !r.Accessed.Before(f.AccessedBefore) {
		return false
	}
	return true
}

// Capabilities describes where a store may be used: session2's
// is_multiprocess_safe and is_thread_safe flags, and more.
type Capabilities struct {
	// Goroutines: safe for concurrent use by many goroutines.
	Goroutines bool
	// Processes: safe for several processes on one host sharing the store.
	Processes bool
	// Durable: records survive a restart of the process.
	Durable bool
	// Shared: processes on several hosts may share the store.
	Shared bool
}

// Store keeps session records by key. The manager calls Load, Save, Delete
// and Touch while serving requests; the other methods are for setup and
// administration (sessionctl, cron jobs, "log out everywhere").
//
// Keys are 64 lowercase hexadecimal characters (see [IsKey]): a hash of the
// session token, never the token itself.
//
// Byte slices: Save must not keep rec.Data after it returns (copy it), and
// the Data of a record returned by Load or List belongs to the caller, who
// may modify it.
//
// Every method honours its context: one called with a context already
// cancelled returns an error wrapping the context's error.
//
// A store reporting Capabilities().Goroutines must be safe for concurrent
// use.
type Store interface {
	// Load returns the record stored for key. It returns ErrNotFound when
	// there is none or when its Expires is not after the current time.
	Load(ctx context.Context, key string) (Record, error)

	// Save stores rec for key with compare-and-set on the version.
	// rec.Version is the version the caller loaded, 0 for a new record:
	//
	//   - rec.Version == 0: the record is created only if the key is absent
	//     (an expired record that was not yet removed counts as present).
	//   - rec.Version > 0: the record is replaced only if the stored version
	//     equals rec.Version.
	//
	// An update does not look at the stored record's expiry: the caller
	// found it alive when it loaded it, and the new Expires replaces the old.
	//
	// On success the stored record is rec with Version rec.Version+1.
	// Otherwise Save returns ErrConflict and changes nothing. An update never
	// recreates a record that was deleted: that is a conflict too, so a
	// request in flight cannot undo a logout.
	Save(ctx context.Context, key string, rec Record) error

	// Delete removes the record for key. Deleting a missing key is not an
	// error.
	Delete(ctx context.Context, key string) error

	// Touch sets the record's Accessed and Expires without rewriting its
	// data and without changing its version. It returns ErrNotFound when
	// there is no live record for key.
	Touch(ctx context.Context, key string, accessed, expires time.Time) error

	// Setup creates what the store needs (tables, indexes, directories,
	// buckets). It is idempotent and never drops or rewrites data. It is
	// also the start-up check: a store with a server fails Setup when the
	// server does not answer, so an application that calls it at start
	// learns there that the store is down. The stores of this repository
	// bound a Setup whose ctx has no deadline by a default timeout of their
	// own (see each store's DefaultSetupTimeout).
	Setup(ctx context.Context) error

	// List yields the records that match f, in no particular order, using
	// memory bounded independently of the store's size. An error ends the
	// sequence as its last pair, with a zero Entry. Records may be changed
	// by others while a listing runs; each yielded record was valid when it
	// was read. The loop body may call the store's other methods (Delete
	// the yielded record, say) without deadlock.
	List(ctx context.Context, f Filter) iter.Seq2[Entry, error]

	// Prune deletes the records that match f and returns how many it
	// deleted. A Filter with only User set costs time proportional to that
	// user's records.
	Prune(ctx context.Context, f Filter) (int, error)

	// Capabilities reports where the store may be used.
	Capabilities() Capabilities

	// Close stops the store's background work (such as an expiry sweeper)
	// and releases what the store opened itself. A handle the application
	// passed in (a *sql.DB, a *bbolt.DB) stays open. Close is idempotent.
	Close() error
}
