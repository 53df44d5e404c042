package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/session2/session2/core/session"
)

// DefaultPrefix is the prefix of every key the store writes, unless
// [WithPrefix] sets another.
const DefaultPrefix = "session2:"

// DefaultRetention is how long Redis keeps a record after its Expires,
// unless [WithRetention] sets another period.
const DefaultRetention = time.Minute

// DefaultSetupTimeout is how long [Store.Setup] waits for the server when
// its context has no deadline, unless [WithSetupTimeout] sets another
// bound.
const DefaultSetupTimeout = 30 * time.Second

// Store keeps session records in Redis. It implements [session.Store] and
// is safe for concurrent use. Create one with [New] or open one by URL
// (see [Open]).
type Store struct {
	c         redis.UniversalClient
	prefix    string
	retention time.Duration
	now       func() time.Time
	owns      bool // Close closes c: the store opened it from a URL
	setupWait time.Duration

	closed atomic.Bool
}

var _ session.Store = (*Store)(nil)

// Option configures a [Store] in [New].
type Option func(*Store)

// WithPrefix sets the prefix of every key the store writes (default
// [DefaultPrefix], "session2:"). Stores with different prefixes on one
// server are independent. The prefix must not be empty.
func WithPrefix(prefix string) Option { return func(s *Store) { s.prefix = prefix } }

// WithRetention sets how long Redis keeps a record after its Expires
// (default [DefaultRetention], one minute). Load never returns an expired
// record; during the retention List and Prune still see it, so that
// sessionctl can show what expired, and a few seconds of clock skew between
// application hosts cannot remove a session early. Zero lets Redis remove a
// record the moment it expires. Negative is invalid.
func WithRetention(d time.Duration) Option { return func(s *Store) { s.retention = d } }

// WithClock sets the function the store reads the time from to decide
// expiry (default time.Now). Redis TTLs are set relative to it, so the
// server's clock does not matter.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithSetupTimeout sets how long [Store.Setup] waits for the server when
// its context has no deadline (default [DefaultSetupTimeout]). It must be
// positive.
func WithSetupTimeout(d time.Duration) Option { return func(s *Store) { s.setupWait = d } }

// New returns a store on client: a *redis.Client (one server, or a
// Sentinel failover client from redis.NewFailoverClient), a
// *redis.ClusterClient or a *redis.Ring. The store does not close the
// client: the application that created it does.
//
// The client's timeouts bound every call of the store; see the README for
// the recommended settings (ContextTimeoutEnabled, short Read and Write
// timeouts) so that a hung server gives the manager's error handler in
// time.
//
// New makes no call to the server: a server that is down or does not
// answer is found by the first call. To learn it at start-up, call
// [Store.Setup], which fails, within [DefaultSetupTimeout] at most, when
// the server does not answer.
func New(client redis.UniversalClient, opts ...Option) (*Store, error) {
	if client == nil {
		return nil, fmt.Errorf("redisstore: new: %w: nil client", session.ErrInvalidConfig)
	}
	s := &Store{c: client, prefix: DefaultPrefix, retention: DefaultRetention, now: time.Now, setupWait: DefaultSetupTimeout}
	for _, o := range opts {
		o(s)
	}
	switch {
	case s.prefix == "":
		return nil, fmt.Errorf("redisstore: new: %w: empty key prefix", session.ErrInvalidConfig)
	case s.retention < 0:
		return nil, fmt.Errorf("redisstore: new: %w: negative retention %v", session.ErrInvalidConfig, s.retention)
	case s.now == nil:
		return nil, fmt.Errorf("redisstore: new: %w: nil clock", session.ErrInvalidConfig)
	case s.setupWait <= 0:
		return nil, fmt.Errorf("redisstore: new: %w: setup timeout %v, want a positive duration", session.ErrInvalidConfig, s.setupWait)
	}
	return s, nil
}

// Client returns the client the store uses.
func (s *Store) Client() redis.UniversalClient { return s.c }

// Prefix returns the prefix of the store's keys.
func (s *Store) Prefix() string { return s.prefix }

// sessionKey returns the Redis key of a session.
func (s *Store) sessionKey(key string) string { return s.prefix + "s:" + key }

// indexKey returns the Redis key of a user's index.
func (s *Store) indexKey(user string) string { return s.prefix + "u:" + user }

// begin checks what every method checks first: the store is open, ctx is
// not done, and key (unless empty) is a store key.
func (s *Store) begin(ctx context.Context, op, key string, checkKey bool) error {
	if s.closed.Load() {
		return fmt.Errorf("redisstore: %s: %w", op, session.ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("redisstore: %s: %w", op, err)
	}
	if checkKey && !session.IsKey(key) {
		return fmt.Errorf("redisstore: %s: %w", op, session.ErrInvalidKey)
	}
	return nil
}

// fields are the hash fields Load reads, in order.
var fields = []string{"v", "u", "d", "c", "a", "e"}

// Load returns the record stored for key in one round trip (HMGET), or
// [session.ErrNotFound] when there is none or its Expires has passed.
func (s *Store) Load(ctx context.Context, key string) (session.Record, error) {
	if err := s.begin(ctx, "load", key, true); err != nil {
		return session.Record{}, err
	}
	vals, err := s.c.HMGet(ctx, s.sessionKey(key), fields...).Result()
	if err != nil {
		return session.Record{}, fmt.Errorf("redisstore: load: %w", err)
	}
	rec, ok, err := parseRecord(vals)
	if err != nil {
		return session.Record{}, fmt.Errorf("redisstore: load: %w", err)
	}
	if !ok || !rec.Expires.After(s.now()) {
		return session.Record{}, session.ErrNotFound
	}
	return rec, nil
}

// errMalformed reports a hash that is not a record of this store.
var errMalformed = errors.New("malformed record")

// parseRecord decodes the values of [fields]. ok is false when the
// record does not exist.
func parseRecord(vals []any) (rec session.Record, ok bool, err error) {
	if len(vals) != len(fields) || vals[0] == nil {
		return session.Record{}, false, nil
	}
	var str [6]string
	for i, v := range vals {
		sv, isStr := v.(string)
		if !isStr {
			return session.Record{}, false, errMalformed
		}
		str[i] = sv
	}
	version, err := strconv.ParseUint(str[0], 10, 64)
	if err != nil {
		return session.Record{}, false, errMalformed
	}
	var t [3]time.Time
	for i := range t {
		us, err := strconv.ParseInt(str[3+i], 10, 64)
		if err != nil {
			return session.Record{}, false, errMalformed
		}
		t[i] = time.UnixMicro(us).UTC()
	}
	return session.Record{
		User:     str[1],
		Data:     []byte(str[2]),
		Created:  t[0],
		Accessed: t[1],
		Expires:  t[2],
		Version:  version,
	}, true, nil
}

// micros formats t as Unix microseconds.
func micros(t time.Time) string { return strconv.FormatInt(t.UnixMicro(), 10) }

// ttl returns the Redis TTL in milliseconds of a record expiring at
// expires: the time left plus the retention, at least 1.
func (s *Store) ttl(expires time.Time) int64 {
	d := expires.Sub(s.now())
	if d < 0 {
		d = 0
	}
	ms := int64((d + s.retention + time.Millisecond - 1) / time.Millisecond)
	if ms < 1 {
		ms = 1
	}
	return ms
}

// Save stores rec for key with compare-and-set on the version, in one
// round trip: a script that checks the stored version and writes the
// record and its TTL. A Save that gives the key a user it did not have
// first writes the user's index entry (one more round trip), so that the
// index never misses a session naming the user.
func (s *Store) Save(ctx context.Context, key string, rec session.Record) error {
	if err := s.begin(ctx, "save", key, true); err != nil {
		return err
	}
	indexed := "0"
	var indexedAt time.Time
	if rec.User != "" && rec.Version == 0 {
		// A new record with a user: no earlier entry to rely on.
		if err := s.addToIndex(ctx, rec.User, key); err != nil {
			return fmt.Errorf("redisstore: save: %w", err)
		}
		indexed, indexedAt = "1", s.now()
	}
	for {
		if indexed == "1" && s.now().Sub(indexedAt) > indexGrace/2 {
			// Too old to be safe from heals: write it again.
			if err := s.addToIndex(ctx, rec.User, key); err != nil {
				return fmt.Errorf("redisstore: save: %w", err)
			}
			indexedAt = s.now()
		}
		res, err := saveScript.Run(ctx, s.c, []string{s.sessionKey(key)},
			strconv.FormatUint(rec.Version, 10), strconv.FormatUint(rec.Version+1, 10),
			rec.User, rec.Data, micros(rec.Created), micros(rec.Accessed), micros(rec.Expires),
			s.ttl(rec.Expires), indexed).Int()
		if err != nil {
			return fmt.Errorf("redisstore: save: %w", err)
		}
		switch res {
		case saveOK:
			return nil
		case saveConflict:
			return session.ErrConflict
		case saveNeedIndex:
			if indexed == "1" {
				return fmt.Errorf("redisstore: save: %w: the script asked for the index twice", errMalformed)
			}
			if err := s.addToIndex(ctx, rec.User, key); err != nil {
				return fmt.Errorf("redisstore: save: %w", err)
			}
			indexed, indexedAt = "1", s.now()
		default:
			return fmt.Errorf("redisstore: save: unexpected script result %d", res)
		}
	}
}

// Delete removes the record for key (one DEL). The key's entry in its
// user's index stays until the index is next healed. Deleting a missing
// key is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.begin(ctx, "delete", key, true); err != nil {
		return err
	}
	if err := s.c.Del(ctx, s.sessionKey(key)).Err(); err != nil {
		return fmt.Errorf("redisstore: delete: %w", err)
	}
	return nil
}

// Touch sets the record's Accessed and Expires and moves its TTL, in one
// round trip (a script), without rewriting its data or changing its
// version. It returns [session.ErrNotFound] when there is no live record.
func (s *Store) Touch(ctx context.Context, key string, accessed, expires time.Time) error {
	if err := s.begin(ctx, "touch", key, true); err != nil {
		return err
	}
	res, err := touchScript.Run(ctx, s.c, []string{s.sessionKey(key)},
		micros(s.now()), micros(accessed), micros(expires), s.ttl(expires)).Int()
	if err != nil {
		return fmt.Errorf("redisstore: touch: %w", err)
	}
	if res != 1 {
		return session.ErrNotFound
	}
	return nil
}

// Setup checks that the server answers and loads the scripts of Save and
// Touch into its script cache (on every master of a Cluster), so that
// their first EVALSHA finds them. Redis needs no schema: Setup creates no
// key, and it is idempotent. The store works without it: a script the
// server does not have is sent whole once (EVAL) and cached from then on.
//
// Call Setup at start-up to learn there that the server is down or does
// not answer. When ctx has no deadline, Setup gives up after
// [DefaultSetupTimeout] (or [WithSetupTimeout]); it returns by the
// deadline whatever the client's timeouts, even with
// ContextTimeoutEnabled off, leaving a call the client still waits for to
// end in the background.
func (s *Store) Setup(ctx context.Context) error {
	if err := s.begin(ctx, "setup", "", false); err != nil {
		return err
	}
	err := session.RunBounded(ctx, s.setupWait, func(ctx context.Context) error {
		for _, sc := range []*redis.Script{saveScript, touchScript} {
			if err := sc.Load(ctx, s.c).Err(); err != nil {
				return err
			}
		}
		return nil
	})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return fmt.Errorf("redisstore: setup: the server did not answer in time (is it up and reachable?): %w", err)
	default:
		return fmt.Errorf("redisstore: setup: %w", err)
	}
}

// isTimeout reports whether err is a network timeout.
func isTimeout(err error) bool {
	var ne interface{ Timeout() bool }
	return errors.As(err, &ne) && ne.Timeout()
}

// Capabilities reports that the store is safe across goroutines,
// processes and hosts. Durable is true as far as the server is configured
// to persist (RDB snapshots, an append-only file, replicas): see the
// README.
func (s *Store) Capabilities() session.Capabilities {
	return session.Capabilities{Goroutines: true, Processes: true, Durable: true, Shared: true}
}

// Close marks the store closed: its methods then return
// [session.ErrClosed]. A client the application passed to [New] stays
// open; one the store opened from a URL is closed. Close is idempotent.
func (s *Store) Close() error {
	if s.closed.Swap(true) || !s.owns {
		return nil
	}
	if err := s.c.Close(); err != nil {
		return fmt.Errorf("redisstore: close: %w", err)
	}
	return nil
}
