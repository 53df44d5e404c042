package redisstore

// The user index: a hash per user whose fields are the keys of the
// user's sessions, kept as a superset of the truth and healed lazily (see
// the package documentation, "What is eventual").

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/session2/session2/core/session"
)

// indexEntry is one field of a user's index and the value read with it.
type indexEntry struct{ key, value string }

// indexGrace is how old an index entry must be before a heal may remove
// it: a Save writes its index entry before its script, and a heal must not
// take the entry of a session that is about to be written for one whose
// session is gone. A Save whose entry grew older than half of it before
// the script ran writes the entry again.
const indexGrace = 10 * time.Minute

// healEvery is how many entries a user's index grows by between the heals
// a login triggers: a login that brings the index to a multiple of it
// drops the entries whose session is gone.
const healEvery = 32

// indexValue returns a fresh value for an index entry: the time it is
// written, in Unix microseconds, and a random part that makes it unique.
func (s *Store) indexValue() string {
	return micros(s.now()) + "." + strconv.FormatUint(rand.Uint64(), 36)
}

// removable reports whether an index entry holding value is old enough
// for a heal to remove (see indexGrace). A value that does not parse is.
func (s *Store) removable(value string) bool {
	ts, _, _ := strings.Cut(value, ".")
	us, err := strconv.ParseInt(ts, 10, 64)
	return err != nil || s.now().Sub(time.UnixMicro(us)) > indexGrace
}

// addToIndex writes key into user's index with a fresh value, in one
// round trip with the index's length; when the length reaches a multiple
// of healEvery it heals the index.
func (s *Store) addToIndex(ctx context.Context, user, key string) error {
	idx := s.indexKey(user)
	var hlen *redis.IntCmd
	_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, idx, key, s.indexValue())
		hlen = p.HLen(ctx, idx)
		return nil
	})
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	if n := hlen.Val(); n >= healEvery && n%healEvery == 0 {
		if err := s.healIndex(ctx, user); err != nil {
			return fmt.Errorf("index: %w", err)
		}
	}
	return nil
}

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
