package redisstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
	"github.com/session2/session2/stores/redisstore"
)

// TestSetupTimeout runs Setup with a context that has no deadline against
// a server that accepts connections and never answers, through a client
// whose own timeouts are all off and that ignores context deadlines: Setup
// must still give up after the store's setup timeout, saying the server
// did not answer. It needs no Redis.
func TestSetupTimeout(t *testing.T) {
	addr := sessiontest.SilentServer(t)
	c := redis.NewClient(&redis.Options{
		Addr:         addr,
		DialTimeout:  time.Second,
		ReadTimeout:  -1, // no read deadline
		WriteTimeout: -1,
		MaxRetries:   -1,
	})
	t.Cleanup(func() { c.Close() })
	s, err := redisstore.New(c, redisstore.WithSetupTimeout(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Setup(context.Background()) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Setup against a silent server: %v, want a deadline error", err)
		}
		t.Logf("Setup: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("Setup(context.Background()) against a silent server has not returned after 30s, with a setup timeout of 100ms")
	}
}

// TestSetupTimeoutInvalid: a setup timeout that is not positive is a
// configuration error.
func TestSetupTimeoutInvalid(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { c.Close() })
	for _, d := range []time.Duration{0, -time.Second} {
		if _, err := redisstore.New(c, redisstore.WithSetupTimeout(d)); !errors.Is(err, session.ErrInvalidConfig) {
			t.Errorf("New(WithSetupTimeout(%v)) = %v, want ErrInvalidConfig", d, err)
		}
	}
}
