package scale

import (
	"context"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/session2/session2/bench/internal/servers"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/redisstore"
)

// openRedis keeps a run's records on the server SESSION2_REDIS_URL names,
// under a key prefix of the run's own, deleted afterwards. The retention
// is three hours, so that the records the fill writes already expired are
// still there for prune-expired to count (by default Redis drops a record
// a minute after its expiry). Redis expires records by itself, so the
// store has no sweeper and the run times no idle sweep; an expiry Prune
// (what sessionctl gc runs) SCANs the store's keys.
func openRedis(logf func(string, ...any)) (*handles, error) {
	addr, err := servers.RedisAddr()
	if err != nil {
		return nil, err
	}
	prefix := "s2scale:" + servers.Unique() + ":"
	c := goredis.NewClient(&goredis.Options{Addr: addr, PoolSize: 32})
	closeAll := func() {
		if err := unlinkPrefix(c, prefix); err != nil {
			logf("delete %s*: %v", prefix, err)
		}
		c.Close()
	}
	s, err := redisstore.New(c, redisstore.WithPrefix(prefix), redisstore.WithRetention(3*time.Hour))
	if err != nil {
		closeAll()
		return nil, err
	}
	if err := s.Setup(context.Background()); err != nil {
		closeAll()
		return nil, err
	}
	return &handles{fill: s, reopen: func() (session.Store, error) { return s, nil }, noSweeper: true, close: closeAll}, nil
}

// unlinkPrefix deletes the keys under prefix, a SCAN batch at a time.
func unlinkPrefix(c *goredis.Client, prefix string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, prefix+"*", 1000).Result()
		if err != nil {
			return err
		}
		if len(keys) > 0 {
			if err := c.Unlink(ctx, keys...).Err(); err != nil {
				return err
			}
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}
