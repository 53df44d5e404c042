package scsimport

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/gob"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/session2/session2/core/session"
)

func init() {
	// scs applications that keep times in the session register time.Time,
	// under this name; its decoding needs the same registration.
	gob.Register(time.Time{})
}

// Codec decodes a record's data into the session's deadline and values.
// scs.GobCodec and any scs.Codec of the application satisfy it.
type Codec interface {
	Decode([]byte) (deadline time.Time, values map[string]interface{}, err error)
}

// GobCodec decodes scs's default record format without scs.
type GobCodec struct{}

// record is the shape scs's GobCodec encodes: gob matches it by field name.
type record struct {
	Deadline time.Time
	Values   map[string]interface{}
}

// Decode decodes a record scs's GobCodec encoded. A record of another
// shape, or one holding a value whose type is not registered with gob, is
// an error.
func (GobCodec) Decode(b []byte) (time.Time, map[string]interface{}, error) {
	var rec record
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&rec); err != nil {
		return time.Time{}, nil, fmt.Errorf("scsimport: decode: %w (values of the application's own types need gob.Register, as in the scs application)", err)
	}
	return rec.Deadline, rec.Values, nil
}

// source reads and deletes scs records by their store key.
type source interface {
	find(ctx context.Context, key string) ([]byte, bool, error)
	delete(ctx context.Context, key string) error
	all(ctx context.Context, yield func(key string, data []byte) error) error
}

// Importer reads scs sessions: a [session.Importer].
type Importer struct {
	src     source
	cookie  http.Cookie
	userKey string
	keep    bool
	hashed  bool
	codec   Codec
	now     func() time.Time

	table, prefix string // WithTable's, WithPrefix's
	tableSet      bool
	prefixSet     bool
}

var _ session.Importer = (*Importer)(nil)

// An Option configures an [Importer].
type Option func(*Importer)

// WithCookie sets scs's cookie: its Name (default "session", scs's
// default), Path (default "/") and Domain (default none), as the scs
// application set them in SessionManager.Cookie.
func WithCookie(c http.Cookie) Option { return func(i *Importer) { i.cookie = c } }

// WithUserKey names the value that holds the user's ID (as in
// sessionManager.Put(ctx, "userID", id)): a string or an integer. The
// imported session is logged in as that user. Without it, the sessions
// are imported anonymous, and the conversion may call SetUser.
func WithUserKey(key string) Option { return func(i *Importer) { i.userKey = key } }

// KeepOld leaves the scs records for scs to expire, for a switch during
// which both libraries serve; by default a record is deleted once its
// session was imported. A logout (Destroy) deletes it in either case.
func KeepOld() Option { return func(i *Importer) { i.keep = true } }

// WithHashedTokens reads records stored under the hash of the token, as
// scs does with SessionManager.HashTokenInStore.
func WithHashedTokens() Option { return func(i *Importer) { i.hashed = true } }

// WithCodec sets the decoder of the records (default [GobCodec]), for an
// scs application that set SessionManager.Codec.
func WithCodec(c Codec) Option { return func(i *Importer) { i.codec = c } }

// WithTable sets the table of the SQL stores (default "sessions", as
// scs's postgresstore.Config.TableName).
func WithTable(name string) Option {
	return func(i *Importer) { i.table, i.tableSet = name, true }
}

// WithPrefix sets the key prefix of the Redis store (default
// "scs:session:", as scs's redisstore.New).
func WithPrefix(p string) Option {
	return func(i *Importer) { i.prefix, i.prefixSet = p, true }
}

// WithClock sets the clock that judges a record's deadline (default
// time.Now), for tests.
func WithClock(now func() time.Time) Option { return func(i *Importer) { i.now = now } }

func newImporter(opts []Option) (*Importer, error) {
	i := &Importer{cookie: http.Cookie{Name: "session", Path: "/"}, codec: GobCodec{}, now: time.Now}
	for _, o := range opts {
		if o != nil {
			o(i)
		}
	}
	if i.cookie.Name == "" {
		i.cookie.Name = "session"
	}
	if i.cookie.Path == "" {
		i.cookie.Path = "/"
	}
	if i.codec == nil {
		return nil, errors.New("scsimport: the codec is nil")
	}
	if i.now == nil {
		return nil, errors.New("scsimport: the clock is nil")
	}
	return i, nil
}

// Cookie returns scs's cookie: see [WithCookie].
func (i *Importer) Cookie() http.Cookie { return i.cookie }

// Import reads the scs session of r's cookie. A cookie that is not of the
// shape scs issues, a token that names no record, and an expired record
// are no session (nil, nil); only a well-formed token reaches the store.
func (i *Importer) Import(ctx context.Context, r *http.Request) (*session.Imported, error) {
	token := cookieValue(r, i.cookie.Name)
	if !validToken(token) {
		return nil, nil
	}
	key := i.key(token)
	b, ok, err := i.src.find(ctx, key)
	if err != nil || !ok {
		return nil, err
	}
	s, err := i.decode(b)
	if err != nil || s == nil {
		return nil, err
	}
	s.Keep = i.keep
	s.Delete = func(ctx context.Context) error { return i.src.delete(ctx, key) }
	return s, nil
}

// decode turns a record's data into an imported session, nil when its
// deadline has passed.
func (i *Importer) decode(b []byte) (*session.Imported, error) {
	deadline, values, err := i.codec.Decode(b)
	if err != nil {
		return nil, err
	}
	if !deadline.IsZero() && !i.now().Before(deadline) {
		return nil, nil
	}
	s := &session.Imported{Values: values, Expires: deadline}
	if i.userKey != "" {
		if s.User, err = session.ImportedUser(values[i.userKey]); err != nil {
			return nil, fmt.Errorf("scsimport: user %q: %w", i.userKey, err)
		}
	}
	return s, nil
}

// Record is one scs session, as [Importer.All] reads it.
type Record struct {
	// Token is the session's key in scs's store: its token, or the hash
	// of it when the scs application set HashTokenInStore.
	Token string
	// Session is the session read.
	Session *session.Imported
}

// All calls fn with every live scs session, then returns nil; the first
// error of the store, of decoding or of fn ends it. Deleting a session
// from fn is allowed (Session.Delete).
func (i *Importer) All(ctx context.Context, fn func(Record) error) error {
	return i.src.all(ctx, func(key string, data []byte) error {
		s, err := i.decode(data)
		if err != nil {
			return fmt.Errorf("scsimport: record %.8s…: %w", key, err)
		}
		if s == nil {
			return nil
		}
		s.Keep = i.keep
		s.Delete = func(ctx context.Context) error { return i.src.delete(ctx, key) }
		return fn(Record{Token: key, Session: s})
	})
}

// key returns the store key of token.
func (i *Importer) key(token string) string {
	if !i.hashed {
		return token
	}
	return HashedTokenKey(token)
}

// cookieValue returns the value of r's first cookie called name.
func cookieValue(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}

// validToken reports whether s has the shape of an scs token: 32 bytes
// in unpadded base64url, 43 characters.
func validToken(s string) bool {
	if len(s) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}
