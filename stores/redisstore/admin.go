package redisstore

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

// errStop ends a walk when the consumer stops.
var errStop = fmt.Errorf("stop")

// indexEntry is one field of a user's index and the value read with it.
type indexEntry struct{ key, value string }

// walkIndex calls fn with the entries of user's index, a batch at a time
// (HSCAN), and then removes the entries fn returns as stale, each only if
// it still holds the value read.
func (s *Store) walkIndex(ctx context.Context, user string, fn func([]indexEntry) ([]indexEntry, error)) error {
	idx := s.indexKey(user)
	var cursor uint64
	for {
		kv, next, err := s.c.HScan(ctx, idx, cursor, "", batch).Result()
		if err != nil {
			return fmt.Errorf("index: %w", err)
		}
		entries := make([]indexEntry, 0, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			if session.IsKey(kv[i]) {
				entries = append(entries, indexEntry{kv[i], kv[i+1]})
			}
		}
		if len(entries) > 0 {
			stale, err := fn(entries)
			if err != nil && err != errStop {
				return err
			}
			if herr := s.unindex(ctx, idx, stale); herr != nil {
				return herr
			}
			if err == errStop {
				return nil
			}
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}

// unindex removes stale entries from the index idx, in one pipeline:
// those old enough (see indexGrace), each only if it still holds the
// value read.
func (s *Store) unindex(ctx context.Context, idx string, stale []indexEntry) error {
	n := 0
	for _, e := range stale {
		if s.removable(e.value) {
			stale[n] = e
			n++
		}
	}
	if n == 0 {
		return nil
	}
	_, err := s.pipelineScript(ctx, unindexScript, n, func(i int) ([]string, []any) {
		return []string{idx}, []any{stale[i].key, stale[i].value}
	})
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	return nil
}

// pipelineScript runs script n times in one pipeline, with the keys and
// arguments of call i from args, by EVALSHA. The calls that find the
// server without the script (after a restart, a failover or SCRIPT FLUSH)
// are run again, alone, once it is loaded (on every master).
func (s *Store) pipelineScript(ctx context.Context, script *redis.Script, n int, args func(i int) ([]string, []any)) ([]*redis.Cmd, error) {
	cmds := make([]*redis.Cmd, n)
	pending := make([]int, n)
	for i := range pending {
		pending[i] = i
	}
	for attempt := 0; ; attempt++ {
		s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, i := range pending {
				keys, a := args(i)
				cmds[i] = script.EvalSha(ctx, p, keys, a...)
			}
			return nil
		})
		var again []int
		for _, i := range pending {
			switch err := cmds[i].Err(); {
			case err == nil:
			case redis.HasErrorPrefix(err, "NOSCRIPT") && attempt == 0:
				again = append(again, i)
			default:
				return nil, err
			}
		}
		if len(again) == 0 {
			return cmds, nil
		}
		if err := script.Load(ctx, s.c).Err(); err != nil {
			return nil, err
		}
		pending = again
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

// Prune deletes the records that match f and returns how many it deleted.
// With f.User set ("log out everywhere") it walks that user's index,
// deleting each session that still names the user, and drops the index
// entries it leaves stale. Without a user it SCANs the store's keys on
// every master, and also heals every user index it meets. Each deletion
// is a script that rechecks the filter on the stored record.
func (s *Store) Prune(ctx context.Context, f session.Filter) (int, error) {
	if err := s.begin(ctx, "prune", "", false); err != nil {
		return 0, err
	}
	var n int
	var err error
	if f.User != "" {
		n, err = s.pruneUser(ctx, f)
	} else {
		n, err = s.pruneAll(ctx, f)
	}
	if err != nil {
		return n, fmt.Errorf("redisstore: prune: %w", err)
	}
	return n, nil
}

// pruneArgs returns pruneScript's arguments for f.
func pruneArgs(f session.Filter) []any {
	userFlag, eb, ab := "0", "", ""
	if f.User != "" {
		userFlag = "1"
	}
	if !f.ExpiresBefore.IsZero() {
		eb = micros(f.ExpiresBefore)
	}
	if !f.AccessedBefore.IsZero() {
		ab = micros(f.AccessedBefore)
	}
	return []any{userFlag, f.User, eb, ab}
}

// pruneKeys runs pruneScript on keys (store keys) in one pipeline and
// returns the result for each.
func (s *Store) pruneKeys(ctx context.Context, keys []string, args []any) ([]int64, error) {
	cmds, err := s.pipelineScript(ctx, pruneScript, len(keys), func(i int) ([]string, []any) {
		return []string{s.sessionKey(keys[i])}, args
	})
	if err != nil {
		return nil, err
	}
	res := make([]int64, len(keys))
	for i, c := range cmds {
		if res[i], err = c.Int64(); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// pruneUser deletes f.User's matching sessions through the index.
func (s *Store) pruneUser(ctx context.Context, f session.Filter) (int, error) {
	args := pruneArgs(f)
	n := 0
	err := s.walkIndex(ctx, f.User, func(entries []indexEntry) ([]indexEntry, error) {
		keys := make([]string, len(entries))
		for i, e := range entries {
			keys[i] = e.key
		}
		res, err := s.pruneKeys(ctx, keys, args)
		if err != nil {
			return nil, err
		}
		var stale []indexEntry
		for i, r := range res {
			if r == pruneDeleted {
				n++
			}
			if r != pruneKept {
				stale = append(stale, entries[i])
			}
		}
		return stale, nil
	})
	return n, err
}

// pruneAll deletes the matching sessions found by SCAN and heals the user
// indexes it meets.
func (s *Store) pruneAll(ctx context.Context, f session.Filter) (int, error) {
	args := pruneArgs(f)
	n := 0
	sessPrefix, idxPrefix := s.prefix+"s:", s.prefix+"u:"
	err := s.scan(ctx, escapeGlob(s.prefix)+"*", "", func(redisKeys []string) error {
		var keys, users []string
		for _, rk := range redisKeys {
			if k, ok := strings.CutPrefix(rk, sessPrefix); ok && session.IsKey(k) {
				keys = append(keys, k)
			} else if u, ok := strings.CutPrefix(rk, idxPrefix); ok && u != "" {
				users = append(users, u)
			}
		}
		if len(keys) > 0 {
			res, err := s.pruneKeys(ctx, keys, args)
			if err != nil {
				return err
			}
			for _, r := range res {
				if r == pruneDeleted {
					n++
				}
			}
		}
		for _, u := range users {
			if err := s.healIndex(ctx, u); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// healIndex drops the entries of user's index whose session is gone or
// names another user.
func (s *Store) healIndex(ctx context.Context, user string) error {
	return s.walkIndex(ctx, user, func(entries []indexEntry) ([]indexEntry, error) {
		cmds := make([]*redis.StringCmd, len(entries))
		_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, e := range entries {
				cmds[i] = p.HGet(ctx, s.sessionKey(e.key), "u")
			}
			return nil
		})
		if err != nil && err != redis.Nil {
			return nil, err
		}
		var stale []indexEntry
		for i, c := range cmds {
			switch u, err := c.Result(); {
			case err == redis.Nil || (err == nil && u != user):
				stale = append(stale, entries[i])
			case err != nil:
				return nil, err
			}
		}
		return stale, nil
	})
}
