package boltstore

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"iter"

	"github.com/session2/session2/core/session"
	"go.etcd.io/bbolt"
)

// listBatch is how many source entries one List transaction visits at most.
const listBatch = 256

// entryState classifies what walk found behind one source entry.
type entryState int

const (
	// stateOK: a decodable record the index entry (if any) agrees with.
	stateOK entryState = iota
	// stateDangling: an index entry with no record, a record it does not
	// describe, or a malformed index key.
	stateDangling
	// stateCorrupt: a record this package cannot decode.
	stateCorrupt
)

// source picks the bucket that answers f: the user index for a user, the
// expiry index for an expiry bound, else the records themselves.
func (b buckets) source(f session.Filter) *bbolt.Bucket {
	switch {
	case f.User != "":
		return b.users
	case !f.ExpiresBefore.IsZero():
		return b.expiry
	default:
		return b.records
	}
}

// walk visits at most limit entries of f's source bucket that may match f,
// in key order, starting after the source key after (from the beginning
// when nil). For each it calls fn with the source key, the record key, the
// record's view and its state; all alias the transaction's memory. It
// returns a copy of the last source key visited and whether the source has
// no more candidates. fn must not modify the buckets.
func (s *Store) walk(b buckets, f session.Filter, after []byte, limit int,
	fn func(src, rk []byte, v view, st entryState)) (last []byte, done bool) {
	src := b.source(f)
	var prefix, bound []byte
	switch src {
	case b.users:
		prefix = userPrefix(f.User)
	case b.expiry:
		bound = make([]byte, timeLen)
		putTime(bound, f.ExpiresBefore)
	}

	c := src.Cursor()
	var ck, cv []byte
	switch {
	case after != nil:
		ck, cv = c.Seek(after)
		if bytes.Equal(ck, after) {
			ck, cv = c.Next()
		}
	case prefix != nil:
		ck, cv = c.Seek(prefix)
	default:
		ck, cv = c.First()
	}

	n := 0
	for ; ck != nil; ck, cv = c.Next() {
		if prefix != nil && !bytes.HasPrefix(ck, prefix) {
			break
		}
		if bound != nil && len(ck) >= timeLen && bytes.Compare(ck[:timeLen], bound) > 0 {
			break
		}
		if n == limit {
			return bytes.Clone(last), false
		}
		n++
		last = ck

		var rk, raw []byte
		switch src {
		case b.records:
			if cv == nil || len(ck) != rawKeyLen { // a nested bucket or a foreign key
				continue
			}
			rk, raw = ck, cv
		case b.users:
			if len(ck) != len(prefix)+rawKeyLen { // a user whose name extends f.User with a NUL
				continue
			}
			rk = ck[len(prefix):]
			raw = b.records.Get(rk)
		case b.expiry:
			if len(ck) != timeLen+rawKeyLen {
				fn(ck, nil, view{}, stateDangling)
				continue
			}
			rk = ck[timeLen:]
			raw = b.records.Get(rk)
		}
		if raw == nil {
			fn(ck, rk, view{}, stateDangling)
			continue
		}
		v, err := decodeRecord(raw)
		if err != nil {
			fn(ck, rk, view{}, stateCorrupt)
			continue
		}
		// An index entry must describe the record it points to.
		if (src == b.users && string(v.user) != f.User) ||
			(src == b.expiry && !bytes.Equal(v.rawExpire, ck[:timeLen])) {
			fn(ck, rk, v, stateDangling)
			continue
		}
		fn(ck, rk, v, stateOK)
	}
	return bytes.Clone(last), true
}

// List yields the records matching f in batches of short read
// transactions, so memory stays bounded and no transaction is open while
// the caller runs (the caller may write to the store inside the loop). A
// filter with User set reads only that user's index entries; one with only
// ExpiresBefore set reads only the expired part of the expiry index.
// Records that cannot be decoded are skipped.
func (s *Store) List(ctx context.Context, f session.Filter) iter.Seq2[session.Entry, error] {
	return func(yield func(session.Entry, error) bool) {
		var after []byte
		batch := make([]session.Entry, 0, listBatch)
		for {
			if err := s.check(ctx, "list"); err != nil {
				yield(session.Entry{}, err)
				return
			}
			batch = batch[:0]
			var done bool
			err := s.db.View(func(tx *bbolt.Tx) error {
				b, err := s.buckets(tx)
				if err != nil {
					return err
				}
				after, done = s.walk(b, f, after, listBatch, func(_, rk []byte, v view, st entryState) {
					if st == stateOK && v.match(f) {
						batch = append(batch, session.Entry{Key: hex.EncodeToString(rk), Record: v.record()})
					}
				})
				return nil
			})
			if err != nil {
				yield(session.Entry{}, wrap("list", err))
				return
			}
			for i := range batch {
				if !yield(batch[i], nil) {
					return
				}
			}
			if done {
				return
			}
		}
	}
}

// Prune deletes the records matching f and returns how many it deleted. It
// works in write transactions that each visit at most the sweep batch of
// entries (see [WithSweepBatch]). A filter with User set visits only that
// user's index entries, one with only ExpiresBefore set only the expired
// part of the expiry index; other filters scan every record. Index entries
// found dangling on the way are removed too (not counted).
func (s *Store) Prune(ctx context.Context, f session.Filter) (int, error) {
	if err := s.check(ctx, "prune"); err != nil {
		return 0, err
	}
	return s.prune(ctx, f, "prune")
}

func (s *Store) prune(ctx context.Context, f session.Filter, op string) (int, error) {
	// A read transaction first: when the source holds no candidate (a
	// sweep pass with nothing expired), no write transaction is opened,
	// and nothing is committed or synced.
	var any bool
	err := s.db.View(func(tx *bbolt.Tx) error {
		b, err := s.buckets(tx)
		if err != nil {
			return err
		}
		last, _ := s.walk(b, f, nil, 1, func([]byte, []byte, view, entryState) {})
		any = last != nil
		return nil
	})
	if err != nil || !any {
		return 0, wrap(op, err)
	}
	total := 0
	var after []byte
	for {
		if err := ctx.Err(); err != nil {
			return total, fmt.Errorf("boltstore: %s: %w", op, err)
		}
		var n int
		var done bool
		err := s.db.Update(func(tx *bbolt.Tx) error {
			b, err := s.buckets(tx)
			if err != nil {
				return err
			}
			src := b.source(f)
			var matched, corrupt, entries [][]byte
			after, done = s.walk(b, f, after, s.cfg.sweepBatch, func(ck, rk []byte, v view, st entryState) {
				switch {
				case st == stateOK:
					if v.match(f) {
						matched = append(matched, bytes.Clone(rk))
					}
				case src == b.records:
					// A corrupt record met by a full scan is left alone.
				case st == stateDangling:
					entries = append(entries, bytes.Clone(ck))
				case st == stateCorrupt:
					// Reached through an index: it can never load again.
					entries = append(entries, bytes.Clone(ck))
					corrupt = append(corrupt, bytes.Clone(rk))
				}
			})
			// Deleting only now, with the cursor gone, keeps it from skipping.
			for _, ck := range entries {
				if err := src.Delete(ck); err != nil {
					return err
				}
			}
			for _, rk := range corrupt {
				if err := b.records.Delete(rk); err != nil {
					return err
				}
			}
			for _, rk := range matched {
				if err := b.remove(rk); err != nil {
					return err
				}
			}
			n = len(matched)
			return nil
		})
		if err != nil {
			return total, wrap(op, err)
		}
		total += n
		if done {
			return total, nil
		}
	}
}
