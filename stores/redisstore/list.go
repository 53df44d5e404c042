package redisstore

// Listing: through a user's index, or by SCAN over every master.

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
	"github.com/session2/session2/core/session"
)

// batch is how many keys or index entries List and Prune handle per
// round trip; it bounds their memory.
const batch = 256

// errStop ends a walk when the consumer stops.
var errStop = fmt.Errorf("stop")

// List yields the records that match f. With f.User set it reads that
// user's index (dropping the entries whose session is gone); otherwise it
// SCANs the store's keys on every master. See the package documentation
// for the costs.
func (s *Store) List(ctx context.Context, f session.Filter) iter.Seq2[session.Entry, error] {
	return func(yield func(session.Entry, error) bool) {
		if err := s.begin(ctx, "list", "", false); err != nil {
			yield(session.Entry{}, err)
			return
		}
		var err error
		if f.User != "" {
			err = s.listUser(ctx, f, yield)
		} else {
			err = s.listAll(ctx, f, yield)
		}
		if err != nil {
			yield(session.Entry{}, fmt.Errorf("redisstore: list: %w", err))
		}
	}
}

// readBatch reads the records of keys (store keys) in one pipeline. A
// record that does not exist has ok false.
func (s *Store) readBatch(ctx context.Context, keys []string) ([]session.Record, []bool, error) {
	cmds := make([]*redis.SliceCmd, len(keys))
	_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.HMGet(ctx, s.sessionKey(k), fields...)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	recs := make([]session.Record, len(keys))
	oks := make([]bool, len(keys))
	for i, c := range cmds {
		rec, ok, err := parseRecord(c.Val())
		if err != nil {
			return nil, nil, fmt.Errorf("key %s…: %w", keys[i][:8], err)
		}
		recs[i], oks[i] = rec, ok
	}
	return recs, oks, nil
}

// listUser lists through f.User's index.
func (s *Store) listUser(ctx context.Context, f session.Filter, yield func(session.Entry, error) bool) error {
	seen := make(map[string]bool) // the user's keys: O(their sessions)
	return s.walkIndex(ctx, f.User, func(entries []indexEntry) ([]indexEntry, error) {
		keys := make([]string, len(entries))
		for i, e := range entries {
			keys[i] = e.key
		}
		recs, oks, err := s.readBatch(ctx, keys)
		if err != nil {
			return nil, err
		}
		var stale []indexEntry
		var out []session.Entry
		for i, e := range entries {
			switch {
			case !oks[i] || recs[i].User != f.User:
				stale = append(stale, e)
			case !seen[e.key] && f.Match(recs[i]):
				seen[e.key] = true
				out = append(out, session.Entry{Key: e.key, Record: recs[i]})
			}
		}
		for _, e := range out {
			if !yield(e, nil) {
				return stale, errStop
			}
		}
		return stale, nil
	})
}

// listAll lists by SCAN over every master.
func (s *Store) listAll(ctx context.Context, f session.Filter, yield func(session.Entry, error) bool) error {
	pattern := escapeGlob(s.prefix) + "s:*"
	return s.scan(ctx, pattern, "hash", func(keys []string) error {
		keys = s.storeKeys(keys)
		recs, oks, err := s.readBatch(ctx, keys)
		if err != nil {
			return err
		}
		for i, k := range keys {
			if oks[i] && f.Match(recs[i]) {
				if !yield(session.Entry{Key: k, Record: recs[i]}, nil) {
					return errStop
				}
			}
		}
		return nil
	})
}

// storeKeys turns session keys of Redis into store keys, dropping those
// that are not of the store's shape.
func (s *Store) storeKeys(redisKeys []string) []string {
	out := redisKeys[:0]
	p := s.prefix + "s:"
	for _, rk := range redisKeys {
		if k, ok := strings.CutPrefix(rk, p); ok && session.IsKey(k) {
			out = append(out, k)
		}
	}
	return out
}

// scan calls fn with the keys matching pattern (and of keyType, unless
// empty), a batch at a time, on each master in turn. errStop from fn ends
// the scan without an error.
func (s *Store) scan(ctx context.Context, pattern, keyType string, fn func([]string) error) error {
	nodes, err := s.masters(ctx)
	if err != nil {
		return err
	}
	for _, n := range nodes {
		var cursor uint64
		for {
			var keys []string
			var next uint64
			var err error
			if keyType != "" {
				keys, next, err = n.ScanType(ctx, cursor, pattern, batch, keyType).Result()
			} else {
				keys, next, err = n.Scan(ctx, cursor, pattern, batch).Result()
			}
			if err != nil {
				return fmt.Errorf("scan: %w", err)
			}
			if len(keys) > 0 {
				if err := fn(keys); err == errStop {
					return nil
				} else if err != nil {
					return err
				}
			}
			if next == 0 {
				break
			}
			cursor = next
		}
	}
	return nil
}

// masters returns a client per master: the client itself unless it is a
// Cluster or a Ring.
func (s *Store) masters(ctx context.Context) ([]redis.Cmdable, error) {
	var each func(context.Context, func(context.Context, *redis.Client) error) error
	switch c := s.c.(type) {
	case *redis.ClusterClient:
		each = c.ForEachMaster
	case *redis.Ring:
		each = c.ForEachShard
	default:
		return []redis.Cmdable{s.c}, nil
	}
	var mu sync.Mutex
	var nodes []redis.Cmdable
	err := each(ctx, func(_ context.Context, c *redis.Client) error {
		mu.Lock()
		nodes = append(nodes, c)
		mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("masters: %w", err)
	}
	return nodes, nil
}

// escapeGlob escapes the characters SCAN's MATCH gives a meaning.
func escapeGlob(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '[', ']', '\\', '^', '-':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
