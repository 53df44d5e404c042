package redisstore

// The user index: a sorted set per user whose members are the keys of the
// user's sessions, each scored by the time its entry was last written,
// kept as a superset of the truth and healed lazily, a bounded step at a
// time (see the package documentation, "What is eventual").

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/session2/session2/core/session"
)

// indexEntry is one member of a user's index and its score as read, in
// Unix microseconds.
type indexEntry struct{ key, value string }

// indexGrace is how old an index entry must be before a heal may remove
// it: a Save writes its index entry before its script, and a heal must not
// take the entry of a session that is about to be written for one whose
// session is gone. A Save whose entry grew older than half of it before
// the script ran writes the entry again.
const indexGrace = 10 * time.Minute

// healBatch is how many of its oldest entries a login reads with its own
// entry, among those older than indexGrace; a login that finds that many
// heals them (and no more).
const healBatch = 32

// removable reports whether an index entry whose score reads value is old
// enough for a heal to remove (see indexGrace). A value that does not
// parse is.
func (s *Store) removable(value string) bool {
	us, err := strconv.ParseFloat(value, 64)
	return err != nil || s.now().Sub(time.UnixMicro(int64(us))) > indexGrace
}

// onIndex runs fn, which reads or writes the index idx; if the index is
// still a hash, the layout before sorted sets (WRONGTYPE), it converts it
// and runs fn again.
func (s *Store) onIndex(ctx context.Context, idx string, fn func() error) error {
	err := fn()
	if err == nil || !redis.HasErrorPrefix(err, "WRONGTYPE") {
		return err
	}
	if err := migrateScript.Run(ctx, s.c, []string{idx}).Err(); err != nil {
		return fmt.Errorf("convert the index: %w", err)
	}
	return fn()
}

// addToIndex writes key into user's index, scored now, and reads in the
// same round trip up to healBatch of the index's entries older than
// indexGrace, oldest first. When it finds healBatch of them it heals
// those: two more round trips, whatever the index's size.
func (s *Store) addToIndex(ctx context.Context, user, key string) error {
	idx := s.indexKey(user)
	now := s.now()
	var old *redis.ZSliceCmd
	err := s.onIndex(ctx, idx, func() error {
		_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			p.ZAdd(ctx, idx, redis.Z{Score: float64(now.UnixMicro()), Member: key})
			old = p.ZRangeByScoreWithScores(ctx, idx, &redis.ZRangeBy{
				Min: "-inf", Max: "(" + micros(now.Add(-indexGrace)), Count: healBatch,
			})
			return nil
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	if zs := old.Val(); len(zs) >= healBatch {
		entries := make([]indexEntry, len(zs))
		for i, z := range zs {
			m, _ := z.Member.(string)
			entries[i] = indexEntry{m, strconv.FormatFloat(z.Score, 'f', -1, 64)}
		}
		if err := s.healStep(ctx, user, entries); err != nil {
			return fmt.Errorf("index: %w", err)
		}
	}
	return nil
}

// healStep checks the sessions of entries, old entries of user's index:
// it drops those whose session is gone or names another user and moves
// the others to the back of the index (scores them now), so that the next
// step reads entries it has not checked yet. Each entry is changed only if
// it still holds the score read.
func (s *Store) healStep(ctx context.Context, user string, entries []indexEntry) error {
	stale, err := s.staleOf(ctx, user, entries)
	if err != nil {
		return err
	}
	return s.settle(ctx, s.indexKey(user), entries, stale)
}

// staleOf reads the user of each entry's session in one pipeline and
// reports, for each, whether the session is gone or names another user.
func (s *Store) staleOf(ctx context.Context, user string, entries []indexEntry) ([]bool, error) {
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
	stale := make([]bool, len(entries))
	for i, c := range cmds {
		switch u, err := c.Result(); {
		case err == redis.Nil || (err == nil && u != user):
			stale[i] = true
		case err != nil:
			return nil, err
		}
	}
	return stale, nil
}

// settle runs settleScript on the index idx for entries: the stale ones
// (stale[i]) are removed, the others scored now; with stale nil, every
// entry is stale and removed. Entries younger than indexGrace are left
// alone.
func (s *Store) settle(ctx context.Context, idx string, entries []indexEntry, stale []bool) error {
	args := []any{micros(s.now())}
	for i, e := range entries {
		if !s.removable(e.value) {
			continue
		}
		op := "0"
		if stale != nil && !stale[i] {
			op = "1"
		}
		args = append(args, e.key, e.value, op)
	}
	if len(args) == 1 {
		return nil
	}
	if err := settleScript.Run(ctx, s.c, []string{idx}, args...).Err(); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	return nil
}

// walkIndex calls fn with the entries of user's index, a batch at a time
// (ZSCAN), and then removes the entries fn returns as stale, each only if
// it still holds the score read. It reads the whole index: List and Prune
// by user use it, never a login.
func (s *Store) walkIndex(ctx context.Context, user string, fn func([]indexEntry) ([]indexEntry, error)) error {
	idx := s.indexKey(user)
	var cursor uint64
	for {
		var kv []string
		var next uint64
		err := s.onIndex(ctx, idx, func() (err error) {
			kv, next, err = s.c.ZScan(ctx, idx, cursor, "", batch).Result()
			return err
		})
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
			if len(stale) > 0 {
				if herr := s.settle(ctx, idx, stale, nil); herr != nil {
					return herr
				}
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

// healIndex drops the entries of user's index whose session is gone or
// names another user, reading the whole index (Prune without a user).
func (s *Store) healIndex(ctx context.Context, user string) error {
	return s.walkIndex(ctx, user, func(entries []indexEntry) ([]indexEntry, error) {
		stale, err := s.staleOf(ctx, user, entries)
		if err != nil {
			return nil, err
		}
		var out []indexEntry
		for i, e := range entries {
			if stale[i] {
				out = append(out, e)
			}
		}
		return out, nil
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
