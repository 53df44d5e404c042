package gorillaimport

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	"github.com/gorilla/securecookie"
	"github.com/session2/session2/core/session"
)

// Importer reads gorilla sessions of one name: a [session.Importer].
type Importer struct {
	name    string
	dir     string // FilesystemStore's, "" for a CookieStore
	codecs  []securecookie.Codec
	cookie  http.Cookie
	userKey string
	keep    bool
	maxAge  int
	ageSet  bool
	custom  bool // WithCodecs: the codecs are the application's, as given
}

var _ session.Importer = (*Importer)(nil)

// An Option configures an [Importer].
type Option func(*Importer)

// WithUserKey names the value that holds the user's ID (as in
// s.Values["user_id"] = id): a string or an integer. The imported session
// is logged in as that user. Without it, the sessions are imported
// anonymous, and the conversion may call SetUser.
func WithUserKey(key string) Option { return func(i *Importer) { i.userKey = key } }

// WithCookie sets the Path (default "/") and Domain (default none) of
// gorilla's cookie, as the application set them in the store's Options,
// so that its deletion reaches it. The name is the session's.
func WithCookie(path, domain string) Option {
	return func(i *Importer) { i.cookie.Path, i.cookie.Domain = path, domain }
}

// WithMaxAge sets the age in seconds beyond which a cookie or file is
// refused, as the store's MaxAge did (default 30 days, gorilla's).
func WithMaxAge(seconds int) Option {
	return func(i *Importer) { i.maxAge, i.ageSet = seconds, true }
}

// WithCodecs replaces the codecs built from the keys by the application's
// own (securecookie codecs with another serializer or hash, say), used as
// given: MaxAge is theirs.
func WithCodecs(codecs ...securecookie.Codec) Option {
	return func(i *Importer) { i.codecs, i.custom = codecs, true }
}

// KeepOld leaves FilesystemStore's files for gorilla, for a switch during
// which both libraries serve; by default a file is deleted once its
// session was imported. A logout (Destroy) deletes it in either case.
func KeepOld() Option { return func(i *Importer) { i.keep = true } }

// CookieStore returns an importer of the sessions called name that
// gorilla's CookieStore, built with sessions.NewCookieStore(keyPairs...),
// kept in the cookie name.
func CookieStore(name string, keyPairs [][]byte, opts ...Option) (*Importer, error) {
	return newImporter(name, "", keyPairs, opts)
}

// FilesystemStore returns an importer of the sessions called name that
// gorilla's FilesystemStore, built with
// sessions.NewFilesystemStore(dir, keyPairs...), kept in dir.
func FilesystemStore(dir, name string, keyPairs [][]byte, opts ...Option) (*Importer, error) {
	if dir == "" {
		return nil, errors.New("gorillaimport: the directory is empty (gorilla's default is os.TempDir(): pass it)")
	}
	return newImporter(name, dir, keyPairs, opts)
}

func newImporter(name, dir string, keyPairs [][]byte, opts []Option) (*Importer, error) {
	if name == "" {
		return nil, errors.New("gorillaimport: the session name is empty")
	}
	i := &Importer{name: name, dir: dir, cookie: http.Cookie{Name: name, Path: "/"}, maxAge: 86400 * 30}
	for _, o := range opts {
		if o != nil {
			o(i)
		}
	}
	if i.cookie.Path == "" {
		i.cookie.Path = "/"
	}
	if i.maxAge < 0 {
		return nil, fmt.Errorf("gorillaimport: max age %d (WithMaxAge) is negative", i.maxAge)
	}
	if !i.custom {
		if len(keyPairs) == 0 || len(keyPairs[0]) == 0 {
			return nil, errors.New("gorillaimport: no keys: pass the hash key (and block key) gorilla's store was built with")
		}
		i.codecs = securecookie.CodecsFromPairs(keyPairs...)
		for _, c := range i.codecs {
			if sc, ok := c.(*securecookie.SecureCookie); ok {
				sc.MaxAge(i.maxAge)
				if dir != "" {
					sc.MaxLength(0) // a file holds more than a cookie
				}
			}
		}
	} else if len(i.codecs) == 0 {
		return nil, errors.New("gorillaimport: WithCodecs without a codec")
	}
	return i, nil
}

// Cookie returns gorilla's cookie: the session's name, with the Path and
// Domain of [WithCookie].
func (i *Importer) Cookie() http.Cookie { return i.cookie }

// Import reads the gorilla session of r's cookie. A cookie that fails the
// keys' check (forged, expired, of another name) or a missing file is no
// session (nil, nil); a file that does not decode is an error.
func (i *Importer) Import(ctx context.Context, r *http.Request) (*session.Imported, error) {
	c, err := r.Cookie(i.name)
	if err != nil {
		return nil, nil
	}
	if i.dir == "" {
		var values map[interface{}]interface{}
		if securecookie.DecodeMulti(i.name, c.Value, &values, i.codecs...) != nil {
			return nil, nil
		}
		return i.imported(values)
	}
	var id string
	if securecookie.DecodeMulti(i.name, c.Value, &id, i.codecs...) != nil || !validID(id) {
		return nil, nil
	}
	file := filepath.Join(i.dir, "session_"+id)
	data, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("gorillaimport: %w", err)
	}
	var values map[interface{}]interface{}
	if err := securecookie.DecodeMulti(i.name, string(data), &values, i.codecs...); err != nil {
		return nil, fmt.Errorf("gorillaimport: decode session file: %w (values of the application's own types need gob.Register, as in the gorilla application)", err)
	}
	s, err := i.imported(values)
	if err != nil {
		return nil, err
	}
	s.Keep = i.keep
	s.Delete = func(context.Context) error {
		if err := os.Remove(file); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("gorillaimport: %w", err)
		}
		return nil
	}
	return s, nil
}

// imported converts gorilla's values.
func (i *Importer) imported(values map[interface{}]interface{}) (*session.Imported, error) {
	s := &session.Imported{Values: make(map[string]any, len(values))}
	for k, v := range values {
		key, ok := k.(string)
		if !ok {
			key = fmt.Sprint(k)
		}
		s.Values[key] = v
	}
	if i.userKey != "" {
		u, err := session.ImportedUser(s.Values[i.userKey])
		if err != nil {
			return nil, fmt.Errorf("gorillaimport: user %q: %w", i.userKey, err)
		}
		s.User = u
	}
	return s, nil
}

// validID reports whether id has the shape of the IDs FilesystemStore
// makes: unpadded standard base32.
func validID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for j := 0; j < len(id); j++ {
		c := id[j]
		if !(c >= 'A' && c <= 'Z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}
