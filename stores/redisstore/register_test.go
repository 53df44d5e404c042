package redisstore_test

import (
	"context"
	"errors"
	"net/url"
	"os"
	"testing"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/redisstore"
)

// TestOpenURL opens the shared server by URL through session.OpenStore,
// with the store's own parameters and go-redis's.
func TestOpenURL(t *testing.T) {
	serverOptions(t)
	u, err := url.Parse(os.Getenv(urlVar))
	if err != nil {
		t.Fatal(err)
	}
	prefix := "session2test:" + randomHex(t, 6) + ":"
	q := u.Query()
	q.Set("prefix", prefix)
	q.Set("retention", "30s")
	q.Set("pool_size", "4")
	u.RawQuery = q.Encode()
	ctx := ctxT(t)
	st, err := session.OpenStore(ctx, u.String())
	if err != nil {
		t.Fatalf("OpenStore(%s) = %v", u.Redacted(), err)
	}
	s := st.(*redisstore.Store)
	t.Cleanup(func() { dropPrefix(s.Client(), prefix) })
	if s.Prefix() != prefix {
		t.Errorf("Prefix() = %q, want %q", s.Prefix(), prefix)
	}
	key := newKey(t)
	mustSave(t, s, key, live("u", "by url"))
	if got, err := s.Load(ctx, key); err != nil || string(got.Data) != "by url" {
		t.Errorf("Load = (%q, %v)", got.Data, err)
	}
	if ttl := s.Client().PTTL(ctx, prefix+"s:"+key).Val(); ttl <= 0 {
		t.Errorf("PTTL = %v, want a TTL", ttl)
	}
	// The store owns the client it opened: Close closes it.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Client().Ping(context.Background()).Err(); err == nil {
		t.Errorf("after Close, the store's own client still answers")
	}
}

// TestOpenURLErrors checks that bad URLs fail with clear errors and no panic.
func TestOpenURLErrors(t *testing.T) {
	ctx := context.Background()
	for _, raw := range []string{
		"redis://127.0.0.1:1/0?retention=forever",
		"redis://127.0.0.1:1/notanumber",
		"redis://127.0.0.1:1/0?no_such_option=1",
		"redis+sentinel://127.0.0.1:1/0",
		"redis://127.0.0.1:1/0?prefix=",
	} {
		if _, err := session.OpenStore(ctx, raw); err == nil {
			t.Errorf("OpenStore(%q) = nil error", raw)
		}
	}
	if _, err := session.OpenStore(ctx, "redis+sentinel://127.0.0.1:1/0"); !errors.Is(err, session.ErrInvalidConfig) {
		t.Errorf("a sentinel URL without master_name: %v, want ErrInvalidConfig", err)
	}
	if _, err := redisstore.Open(ctx, "memcached://x"); !errors.Is(err, session.ErrInvalidConfig) {
		t.Errorf("Open of another scheme: %v, want ErrInvalidConfig", err)
	}
	for _, want := range redisstore.Schemes {
		found := false
		for _, s := range session.StoreSchemes() {
			found = found || s == want
		}
		if !found {
			t.Errorf("scheme %q is not registered", want)
		}
	}
}
