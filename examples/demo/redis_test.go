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

// redisStoreURL returns a store URL for the Redis server named by
// SESSION2_REDIS_URL, with a key prefix of the test's own whose keys are
// deleted when the test ends. It skips the test when the variable is unset.
func redisStoreURL(tb testing.TB) string {
	tb.Helper()
	raw := os.Getenv("SESSION2_REDIS_URL")
	if raw == "" {
		tb.Skip("SESSION2_REDIS_URL is unset (for example redis://127.0.0.1:6379/0)")
	}
	u, err := url.Parse(raw)
	if err != nil {
		tb.Fatalf("SESSION2_REDIS_URL: %v", err)
	}
	opts, err := redis.ParseURL(raw)
	if err != nil {
		tb.Fatalf("SESSION2_REDIS_URL: %v", err)
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatal(err)
	}
	prefix := "s2demo:" + hex.EncodeToString(b[:]) + ":"
	tb.Cleanup(func() {
		c := redis.NewClient(opts)
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		it := c.Scan(ctx, 0, prefix+"*", 500).Iterator()
		for it.Next(ctx) {
			c.Del(ctx, it.Val())
		}
		if err := it.Err(); err != nil {
			tb.Errorf("delete %s*: %v", prefix, err)
		}
	})
	q := u.Query()
	q.Set("prefix", prefix)
	u.RawQuery = q.Encode()
	return u.String()
}
