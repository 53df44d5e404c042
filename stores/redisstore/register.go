package redisstore

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/session2/session2/core/session"
)

// Schemes are the URL schemes the package registers with
// [session.RegisterStore] when it is imported.
var Schemes = []string{"redis", "rediss", "redis+sentinel", "rediss+sentinel", "redis+cluster", "rediss+cluster"}

func init() {
	for _, scheme := range Schemes {
		session.RegisterStore(scheme, func(ctx context.Context, u *url.URL) (session.Store, error) {
			return Open(ctx, u.String())
		})
	}
}

// Defaults that Open gives the client unless the URL sets them: calls
// that fail fast enough for a web request, and contexts honoured, so that
// a hung server reaches the manager's error handler in time.
const (
	defaultDialTimeout  = 2 * time.Second
	defaultReadTimeout  = time.Second
	defaultWriteTimeout = time.Second
	defaultMaxRetries   = 1
	// go-redis counts the first dial among its dialer "retries".
	defaultDialerRetries = 1
)

// Open opens a store from a URL, with a client of its own that the
// store's Close closes. Importing the package registers the schemes with
// [session.OpenStore], which calls Open:
//
//	redis://[user:password@]host:port/db          one server (go-redis ParseURL)
//	rediss://…                                    the same over TLS
//	redis+sentinel://[user:password@]sentinel:port/db?master_name=mymaster&addr=sentinel2:port
//	                                              a Sentinel-managed master (go-redis ParseFailoverURL)
//	redis+cluster://host:port?addr=host2:port     a Cluster (go-redis ParseClusterURL)
//
// with rediss+sentinel and rediss+cluster for TLS. The store's own query
// parameters are prefix ([WithPrefix]) and retention ([WithRetention], a
// Go duration); every other parameter goes to go-redis (dial_timeout,
// read_timeout, pool_size, …). Unless the URL sets them, Open uses a 2 s
// dial timeout, 1 s read and write timeouts, one retry of a failed
// command, one dial attempt (dialer_retries=1) and
// context_timeout_enabled=true (Open reads these last two itself, for
// every form). Open pings the server, so that a wrong
// address fails at once.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redisstore: open: %w", err)
	}
	q := u.Query()
	var opts []Option
	if v := q.Get("prefix"); q.Has("prefix") {
		opts = append(opts, WithPrefix(v))
	}
	if q.Has("retention") {
		d, err := time.ParseDuration(q.Get("retention"))
		if err != nil {
			return nil, fmt.Errorf("redisstore: open: %w: retention=%q: want a duration such as 1m", session.ErrInvalidConfig, q.Get("retention"))
		}
		opts = append(opts, WithRetention(d))
	}
	// go-redis's parsers know context_timeout_enabled only for Sentinel
	// URLs: the store reads it for every form.
	ctxTimeout := true
	if q.Has("context_timeout_enabled") {
		b, err := strconv.ParseBool(q.Get("context_timeout_enabled"))
		if err != nil {
			return nil, fmt.Errorf("redisstore: open: %w: context_timeout_enabled=%q: want true or false", session.ErrInvalidConfig, q.Get("context_timeout_enabled"))
		}
		ctxTimeout = b
	}
	// Nor dialer_retries: go-redis dials 5 times by default, which
	// multiplies the time a server that does not answer takes to fail.
	dialerRetries := defaultDialerRetries
	if q.Has("dialer_retries") {
		n, err := strconv.Atoi(q.Get("dialer_retries"))
		if err != nil {
			return nil, fmt.Errorf("redisstore: open: %w: dialer_retries=%q: want a count", session.ErrInvalidConfig, q.Get("dialer_retries"))
		}
		dialerRetries = n
	}
	for _, name := range []string{"prefix", "retention", "context_timeout_enabled", "dialer_retries"} {
		q.Del(name)
	}
	for name, def := range map[string]string{
		"dial_timeout":  defaultDialTimeout.String(),
		"read_timeout":  defaultReadTimeout.String(),
		"write_timeout": defaultWriteTimeout.String(),
		"max_retries":   fmt.Sprint(defaultMaxRetries),
	} {
		if !q.Has(name) {
			q.Set(name, def)
		}
	}
	base, kind, _ := strings.Cut(u.Scheme, "+")
	v := *u
	v.Scheme = base
	v.RawQuery = q.Encode()
	var client redis.UniversalClient
	switch {
	case (base == "redis" || base == "rediss") && kind == "":
		o, err := redis.ParseURL(v.String())
		if err != nil {
			return nil, fmt.Errorf("redisstore: open: %w", err)
		}
		o.ContextTimeoutEnabled, o.DialerRetries = ctxTimeout, dialerRetries
		client = redis.NewClient(o)
	case (base == "redis" || base == "rediss") && kind == "sentinel":
		o, err := redis.ParseFailoverURL(v.String())
		if err != nil {
			return nil, fmt.Errorf("redisstore: open: %w", err)
		}
		if o.MasterName == "" {
			return nil, fmt.Errorf("redisstore: open: %w: a sentinel URL needs master_name", session.ErrInvalidConfig)
		}
		o.ContextTimeoutEnabled, o.DialerRetries = ctxTimeout, dialerRetries
		client = redis.NewFailoverClient(o)
	case (base == "redis" || base == "rediss") && kind == "cluster":
		o, err := redis.ParseClusterURL(v.String())
		if err != nil {
			return nil, fmt.Errorf("redisstore: open: %w", err)
		}
		o.ContextTimeoutEnabled, o.DialerRetries = ctxTimeout, dialerRetries
		client = redis.NewClusterClient(o)
	default:
		return nil, fmt.Errorf("redisstore: open: %w: URL scheme %q (want one of %s)", session.ErrInvalidConfig, u.Scheme, strings.Join(Schemes, ", "))
	}
	s, err := New(client, opts...)
	if err != nil {
		client.Close()
		return nil, err
	}
	s.owns = true
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		return nil, fmt.Errorf("redisstore: open: %w", err)
	}
	return s, nil
}
