package session

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Importer reads the sessions another session library stored, so that a
// switch to this package logs no one out: see [WithImporter]. The
// importers of github.com/session2/session2/contrib/scsimport and
// contrib/gorillaimport read alexedwards/scs and gorilla/sessions.
type Importer interface {
	// Cookie returns the old library's session cookie as that library
	// sets it: its Name (a request is offered to Import only when it
	// carries a cookie of that name), and the Path and Domain that the
	// cookie's deletion repeats. New calls it once.
	Cookie() http.Cookie
	// Import reads the old session named by r's cookie. It returns nil,
	// nil when there is none: no such record, an expired one, or a value
	// the old library never issued. ctx carries the request's load
	// timeout. An error fails this import only: the manager reports it
	// and the request goes on with a fresh session. Import must never
	// return the session of a cookie other than r's, and must be safe for
	// concurrent use.
	Import(ctx context.Context, r *http.Request) (*Imported, error)
}

// Imported is a session of another library, as an [Importer] read it.
type Imported struct {
	// User is the old session's user, "" when the importer was not told
	// which value holds it. The new session is logged in as User before
	// the conversion runs, which may change it with SetUser.
	User string
	// Values are the old session's values.
	Values map[string]any
	// Expires is when the old library would have ended the session, zero
	// when unknown. The new session starts its own lifetime.
	Expires time.Time
	// Delete deletes the old record; nil when there is none to delete (a
	// session kept in the cookie itself). The manager calls it, with the
	// commit timeout, once the commit that replaced the session
	// succeeded; a failure is reported, not returned.
	Delete func(ctx context.Context) error
	// Keep leaves the old record for the old library to expire, for a
	// switch during which both libraries serve: Delete is then called
	// only when the request destroyed the new session (a logout).
	Keep bool
}

// importConfig is WithImporter's.
type importConfig struct {
	imp     Importer
	convert any    // func(*Imported, *Session[T]) error
	typ     string // T's name, for the mismatch's error
	cookie  http.Cookie
}

// WithImporter makes the manager take over the sessions of another
// library. A request that carries imp's cookie (imp.Cookie().Name) but no
// session of this manager (no cookie of ours, a cookie of another shape,
// or a token that loads nothing) is offered to imp, within the load
// timeout. When imp returns an old session, the request gets a new
// session, under a fresh token never the old one: logged in as the old
// session's user, then given to convert, which maps the old values onto
// it as a handler would (Data, SetUser, SetPersistent, …). For a
// [session.Map], [CopyValues] copies every value. At the commit the old
// cookie is deleted (or overwritten, when it has this manager's name,
// path and domain), and the old record deleted, unless
// [Imported].Keep; a failed request (5xx, a panic) changes neither, and
// the next request imports again.
//
// Requests without the old cookie cost nothing more. A failed import (an
// error or a panic of imp or convert, a session over the size limit) is
// reported as [EventImportFailed] with a warning, and the request goes on
// with a fresh session. convert's T must be the manager's: New refuses
// another. The option does not work with [WithHeaderToken].
func WithImporter[T any](imp Importer, convert func(old *Imported, s *Session[T]) error) Option {
	return func(c *config) { c.importer = &importConfig{imp: imp, convert: convert, typ: typeName[T]()} }
}

// ImportedUser turns the value under which another library kept a
// session's user (a string, or an integer ID) into [Imported].User. nil
// is no user; another type is an error, for the importer to report: the
// application then sets the user in its conversion.
func ImportedUser(v any) (string, error) {
	switch u := v.(type) {
	case nil:
		return "", nil
	case string:
		return u, nil
	case int:
		return strconv.Itoa(u), nil
	case int64:
		return strconv.FormatInt(u, 10), nil
	case int32:
		return strconv.FormatInt(int64(u), 10), nil
	case uint:
		return strconv.FormatUint(uint64(u), 10), nil
	case uint64:
		return strconv.FormatUint(u, 10), nil
	case uint32:
		return strconv.FormatUint(uint64(u), 10), nil
	}
	return "", fmt.Errorf("holds a %T, not a string or an integer; set the user in the conversion instead", v)
}

// CopyValues is the conversion of [WithImporter] for a [Map]: it copies
// every old value under its key. Values of the old library's own types
// keep their JSON form only: see [Map].
func CopyValues(old *Imported, s *Session[Map]) error {
	m := s.Data()
	for k, v := range old.Values {
		m.Set(k, v)
	}
	return nil
}

// checkImporter validates WithImporter's configuration for a manager of T.
func checkImporter[T any](c *config) error {
	ic := c.importer
	if ic == nil {
		return nil
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: WithImporter: "+format, append([]any{ErrInvalidConfig}, args...)...)
	}
	if ic.imp == nil {
		return bad("the importer is nil")
	}
	if v := reflect.ValueOf(ic.imp); v.Kind() == reflect.Pointer && v.IsNil() {
		return bad("the importer is a nil %T", ic.imp)
	}
	convert, ok := ic.convert.(func(*Imported, *Session[T]) error)
	if !ok {
		have := typeName[T]()
		return bad("the conversion fills a *session.Session[%s], but the manager's sessions are *session.Session[%s]; convert into %s, or build the manager with New[%s]",
			ic.typ, have, have, ic.typ)
	}
	if convert == nil {
		return bad("the conversion is nil; for a session.Map, pass session.CopyValues")
	}
	if c.tokenHeader != "" {
		return bad("the old library's cookie is not read in header-token mode (WithHeaderToken)")
	}
	ck := ic.imp.Cookie()
	if ck.Name == "" || !validCookieName(ck.Name) {
		return bad("the importer's cookie name %q is not a cookie name", ck.Name)
	}
	if ck.Path == "" {
		ck.Path = "/"
	}
	ic.cookie = http.Cookie{Name: ck.Name, Path: ck.Path, Domain: ck.Domain}
	return nil
}

// importState is what a request imported, for its commit.
type importState struct {
	old *Imported // nil when the old cookie named no session
}

// importOld offers the request to the importer when it carries the old
// cookie. start is when the request's load began, zero when it made no
// store call: the import shares the load's timeout.
func (x *Exchange[T]) importOld(start time.Time) {
	m, r, s := x.m, x.r, &x.sess
	ic := m.cfg.importer
	if !hasCookie(r.Header, ic.cookie.Name) {
		return
	}
	if start.IsZero() {
		start = time.Now()
	}
	ctx, cancel := context.WithDeadline(r.Context(), start.Add(m.cfg.loadTimeout))
	defer cancel()
	old, err := x.runImport(ctx, ic)
	if err == nil && old != nil {
		// A session the commit could not store would fail every request
		// that carries the old cookie.
		var data []byte
		if data, err = s.encodeLocked(); err == nil && len(data) > m.cfg.maxSize {
			err = m.tooLarge(len(data))
		}
	}
	if err != nil {
		x.resetImported()
		m.importFailed(r, "", fmt.Errorf("session: import: %w", err), "session: import failed; the request goes on with a fresh session")
		return
	}
	x.imp = &importState{old: old}
}

// runImport asks the importer for the old session and converts it into
// the request's session, turning a panic of either into an error.
func (x *Exchange[T]) runImport(ctx context.Context, ic *importConfig) (old *Imported, err error) {
	defer func() {
		if p := recover(); p != nil {
			old, err = nil, fmt.Errorf("panic: %v", p)
		}
	}()
	if old, err = ic.imp.Import(ctx, x.r); err != nil || old == nil {
		return nil, err
	}
	s := &x.sess
	if old.User != "" {
		if err := s.SetUser(old.User); err != nil {
			return nil, err
		}
	}
	if err := ic.convert.(func(*Imported, *Session[T]) error)(old, s); err != nil {
		return nil, fmt.Errorf("convert: %w", err)
	}
	return old, nil
}

// resetImported returns the session to a fresh one after a failed import.
func (x *Exchange[T]) resetImported() {
	s := &x.sess
	var zero T
	s.data = zero
	s.token, s.key, s.user = "", "", ""
	s.tokens, s.flashes = nil, nil
	s.settings = settings{}
	s.ops = ops[T]{}
}

// finishImport completes an import after a successful commit: it deletes
// the old cookie and the old record. cookies is the number of Set-Cookie
// headers before the commit.
func (x *Exchange[T]) finishImport(h http.Header, cookies int) {
	m, s, ic := x.m, &x.sess, x.m.cfg.importer
	own := m.cfg.cookie
	sameCookie := ic.cookie.Name == own.Name && ic.cookie.Path == own.Path && ic.cookie.Domain == own.Domain
	if !sameCookie || len(h["Set-Cookie"]) == cookies {
		m.expireOldCookie(x.r, h, ic.cookie)
	}
	old := x.imp.old
	if old == nil {
		return
	}
	if old.Delete != nil && (!old.Keep || s.ops.destroyed) {
		ctx, cancel := m.writeContext(x.r)
		err := callDelete(ctx, old.Delete)
		cancel()
		if err != nil {
			m.importFailed(x.r, s.key, fmt.Errorf("session: import: delete the old session: %w", err), "session: import: the old session was not deleted; the old library may still accept its cookie until it expires")
		}
	}
	if s.base.loaded && !s.ops.destroyed {
		m.event(x.r, EventImported, s.key, "", nil)
	}
}

// callDelete calls an importer's Delete, turning a panic into an error.
func callDelete(ctx context.Context, del func(context.Context) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return del(ctx)
}

// expireOldCookie tells the browser to drop the old library's cookie.
func (m *Manager[T]) expireOldCookie(r *http.Request, h http.Header, ck http.Cookie) {
	var b strings.Builder
	b.WriteString(ck.Name)
	b.WriteString("=; Path=")
	b.WriteString(ck.Path)
	if ck.Domain != "" {
		b.WriteString("; Domain=")
		b.WriteString(ck.Domain)
	}
	if r.TLS != nil || strings.HasPrefix(ck.Name, "__Host-") || strings.HasPrefix(ck.Name, "__Secure-") {
		b.WriteString("; Secure")
	}
	b.WriteString("; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0")
	h.Add("Set-Cookie", b.String())
	noStore(h)
}

// importFailed reports a failed import: an event, and msg as a warning.
func (m *Manager[T]) importFailed(r *http.Request, key string, err error, msg string) {
	m.event(r, EventImportFailed, key, "", err)
	m.cfg.logger.Warn(msg, "err", err, "method", r.Method, "path", r.URL.Path)
}
