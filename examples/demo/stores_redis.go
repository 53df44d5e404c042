package main

// The Redis store registers redis://, rediss://, redis+sentinel:// and
// redis+cluster:// itself when imported.
import (
	"context"

	"github.com/redis/go-redis/v9"
	_ "github.com/session2/session2/stores/redisstore"
)

func init() {
	// go-redis logs every failed dial to stderr by itself; the demo logs
	// the store's errors once, through its own logger.
	redis.SetLogger(quietRedis{})
}

// quietRedis is a go-redis logger that drops everything.
type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}
