package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisFixture runs sessionctl on the Redis server named by
// SESSION2_REDIS_URL, under a key prefix of its own whose keys are deleted
// afterwards. It skips the test, naming the variable, when that is not set.
func redisFixture(t *testing.T) *fixture {
	t.Helper()
	raw := os.Getenv("SESSION2_REDIS_URL")
	if raw == "" {
		t.Skip("set SESSION2_REDIS_URL to test against Redis")
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("SESSION2_REDIS_URL: %v", err)
	}
	opts, err := redis.ParseURL(raw)
	if err != nil {
		t.Fatalf("SESSION2_REDIS_URL: %v", err)
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	prefix := "sessionctltest:" + hex.EncodeToString(b[:]) + ":"
	q := u.Query()
	q.Set("prefix", prefix)
	// Expired seeds must outlive a slow run (the default retention is a
	// minute, after which Redis drops them on its own).
	q.Set("retention", "1h")
	u.RawQuery = q.Encode()
	t.Cleanup(func() {
		c := redis.NewClient(opts)
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		it := c.Scan(ctx, 0, prefix+"*", 500).Iterator()
		for it.Next(ctx) {
			c.Del(ctx, it.Val())
		}
		if err := it.Err(); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	return urlFixture(t, u.String())
}
