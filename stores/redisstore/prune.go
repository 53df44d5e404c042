package redisstore

// Pruning: through a user's index ("log out everywhere"), or by SCAN.

import (
	"context"
	"fmt"
	"strings"

	"github.com/session2/session2/core/session"
)

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
