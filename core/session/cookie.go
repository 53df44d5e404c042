package session

import (
	"fmt"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// SecureMode says when the cookie carries the Secure attribute.
type SecureMode int

const (
	// SecureAuto sets Secure on requests that arrived over TLS. It is the
	// default. A "__Host-" or "__Secure-" cookie name makes it SecureAlways.
	SecureAuto SecureMode = iota
	// SecureAlways always sets Secure. Use it behind a proxy that ends TLS.
	SecureAlways
	// SecureNever never sets Secure (local development over plain HTTP).
	SecureNever
)

// Cookie holds the session cookie's attributes, for [WithCookie]. The zero
// value of each field means its default, so a Cookie names only what it
// changes, and Cookie{} is the default cookie: "session", Path=/, no
// Domain, HttpOnly, SameSite=Lax, Secure on TLS requests, and gone when
// the browser closes. HttpOnly is always set. New checks the attributes
// and reports each mistake in its error.
//
//	session.WithCookie(session.Cookie{Name: "__Host-session", Persistent: true})
type Cookie struct {
	// Name is the cookie's name, an HTTP token; "" means "session"
	// (DefaultCookieName). A name starting with "__Host-" requires Path
	// "/" and no Domain, and makes the cookie Secure (SecureAlways), as
	// does one starting with "__Secure-"; with SecureNever either is an
	// error. A "__Host-" cookie is also never sent to, nor set by, sibling
	// subdomains.
	Name string
	// Domain is the Domain attribute; "" means none: the cookie goes back
	// only to the host that set it. With a domain, it goes to its
	// subdomains too.
	Domain string
	// Path is the Path attribute; "" means "/". It must start with "/".
	Path string
	// SameSite is the SameSite attribute; 0 means Lax.
	// http.SameSiteStrictMode and http.SameSiteNoneMode send Strict and
	// None (None requires Secure: SecureAlways, as browsers drop a
	// SameSite=None cookie without Secure); http.SameSiteDefaultMode sends
	// no SameSite attribute, leaving the choice to the browser.
	SameSite http.SameSite
	// Secure says when the cookie carries the Secure attribute; the zero
	// value, SecureAuto, sets it on requests that arrived over TLS. Use
	// SecureAlways behind a proxy that ends TLS. Browsers drop a Secure
	// cookie sent over plain HTTP (but to localhost): with SecureAlways,
	// a site reached that way loses every session, which the manager logs
	// once, when a browser's request says it came over plain HTTP (its
	// Origin or Referer, or a proxy's X-Forwarded-Proto).
	Secure SecureMode
	// Persistent makes the cookie outlive the browser session: it carries
	// an expiry equal to the session's. false, the default, makes it a
	// browser-session cookie, while the server still enforces the
	// session's expiry. [Session.SetPersistent] overrides it for one
	// session ("remember me").
	Persistent bool
}

// WithCookie sets the session cookie's attributes (default Cookie{}: see
// [Cookie] for each field's default). A later WithCookie replaces an
// earlier one whole. In header-token mode ([WithHeaderToken]) no cookie
// is read or set, and the attributes have no effect.
func WithCookie(ck Cookie) Option { return func(c *config) { c.cookie = ck } }

// validate fills in the defaults of the zero fields and checks the
// attributes, returning one error per mistake.
func (ck *Cookie) validate() []error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(format, args...))
	}
	if ck.Name == "" {
		ck.Name = DefaultCookieName
	}
	if ck.Path == "" {
		ck.Path = "/"
	}
	if ck.SameSite == 0 {
		ck.SameSite = http.SameSiteLaxMode
	}
	if !validCookieName(ck.Name) {
		bad("cookie name %q (Cookie.Name) is not a valid cookie name", ck.Name)
	}
	if !strings.HasPrefix(ck.Path, "/") || strings.ContainsAny(ck.Path, ";\x00\r\n") {
		bad("cookie path %q (Cookie.Path) must start with / and hold no ';'", ck.Path)
	}
	if strings.ContainsAny(ck.Domain, "; \t\x00\r\n") {
		bad("cookie domain %q (Cookie.Domain) is not a domain", ck.Domain)
	}
	if strings.HasPrefix(ck.Name, "__Host-") {
		if ck.Domain != "" {
			bad("a __Host- cookie must not have a Domain (Cookie.Domain)")
		}
		if ck.Path != "/" {
			bad("a __Host- cookie must have Path=/ (Cookie.Path)")
		}
	}
	if strings.HasPrefix(ck.Name, "__Host-") || strings.HasPrefix(ck.Name, "__Secure-") {
		if ck.Secure == SecureNever {
			bad("cookie %q must be Secure, but Cookie.Secure is SecureNever", ck.Name)
		}
		ck.Secure = SecureAlways
	}
	if ck.Secure < SecureAuto || ck.Secure > SecureNever {
		bad("unknown SecureMode %d (Cookie.Secure)", ck.Secure)
	}
	switch ck.SameSite {
	case http.SameSiteDefaultMode, http.SameSiteLaxMode, http.SameSiteStrictMode:
	case http.SameSiteNoneMode:
		if ck.Secure != SecureAlways {
			bad("SameSite=None requires Secure: SecureAlways in the Cookie: browsers drop such cookies without Secure")
		}
	default:
		bad("unknown SameSite mode %d (Cookie.SameSite)", ck.SameSite)
	}
	return errs
}

// cookieToken returns the value of the first cookie called name whose value
// is a well-formed token, or "". It scans the Cookie headers without
// allocating; a malformed value is skipped, so it never reaches the store.
func cookieToken(h http.Header, name string) string {
	for _, line := range h["Cookie"] {
		for len(line) > 0 {
			var part string
			part, line, _ = strings.Cut(line, ";")
			part = textproto.TrimString(part)
			n, v, ok := strings.Cut(part, "=")
			if !ok || n != name {
				continue
			}
			if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			if validToken(v) {
				return v
			}
		}
	}
	return ""
}

// hasCookie reports whether the Cookie headers of h hold a cookie called
// name, whatever its value.
func hasCookie(h http.Header, name string) bool {
	for _, line := range h["Cookie"] {
		for len(line) > 0 {
			var part string
			part, line, _ = strings.Cut(line, ";")
			if n, _, _ := strings.Cut(textproto.TrimString(part), "="); n == name {
				return true
			}
		}
	}
	return false
}

func (m *Manager[T]) secure(r *http.Request) bool {
	switch m.cfg.cookie.Secure {
	case SecureAlways:
		return true
	case SecureNever:
		return false
	}
	return r.TLS != nil
}

// setCookie writes the session cookie into h. The value is a token this
// package made, so it needs no quoting or validation.
func (m *Manager[T]) setCookie(x *Exchange[T], h http.Header, token string, expires, now time.Time) {
	if m.cfg.tokenHeader != "" {
		m.sendHeaderToken(h, token)
		return
	}
	var b strings.Builder
	b.Grow(160)
	b.WriteString(m.cfg.cookie.Name)
	b.WriteByte('=')
	b.WriteString(token)
	m.cookieAttrs(&b, x.r)
	if m.persistentCookie(&x.sess) {
		maxAge := int(expires.Sub(now) / time.Second)
		if maxAge < 1 {
			maxAge = 1
		}
		b.WriteString("; Expires=")
		b.WriteString(expires.UTC().Format(http.TimeFormat))
		b.WriteString("; Max-Age=")
		b.WriteString(strconv.Itoa(maxAge))
	}
	h.Add("Set-Cookie", b.String())
	noStore(h)
}

// revokeCookie tells the browser to drop the session cookie.
func (m *Manager[T]) revokeCookie(x *Exchange[T], h http.Header) {
	if m.cfg.tokenHeader != "" {
		m.sendHeaderToken(h, "")
		return
	}
	var b strings.Builder
	b.WriteString(m.cfg.cookie.Name)
	b.WriteString("=")
	m.cookieAttrs(&b, x.r)
	b.WriteString("; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0")
	h.Add("Set-Cookie", b.String())
	noStore(h)
}

func (m *Manager[T]) cookieAttrs(b *strings.Builder, r *http.Request) {
	b.WriteString("; Path=")
	b.WriteString(m.cfg.cookie.Path)
	if m.cfg.cookie.Domain != "" {
		b.WriteString("; Domain=")
		b.WriteString(m.cfg.cookie.Domain)
	}
	b.WriteString("; HttpOnly")
	if m.secure(r) {
		b.WriteString("; Secure")
	}
	switch m.cfg.cookie.SameSite {
	case http.SameSiteLaxMode:
		b.WriteString("; SameSite=Lax")
	case http.SameSiteStrictMode:
		b.WriteString("; SameSite=Strict")
	case http.SameSiteNoneMode:
		b.WriteString("; SameSite=None")
	}
}

// noStore marks a response that sets or clears the cookie as private to
// this client: no cache may keep it or serve it to another.
func noStore(h http.Header) {
	h.Set("Cache-Control", "no-store")
	varyCookie(h)
}

// varyCookie marks a response as depending on the Cookie header, so that a
// shared cache never serves one client's page to another.
func varyCookie(h http.Header) { addVary(h, "Cookie", nil) }

// vary marks a response as depending on the header that carries the
// token: Cookie, or the token header.
func (m *Manager[T]) vary(h http.Header) { m.varyInto(h, nil) }

// varyInto is vary, with buf (when not nil) as the storage of a Vary
// header the response does not have yet: see addVary.
func (m *Manager[T]) varyInto(h http.Header, buf *[1]string) {
	name := "Cookie"
	if m.cfg.tokenHeader != "" {
		name = m.cfg.tokenHeader
	}
	addVary(h, name, buf)
}

// addVary adds name to the Vary header unless it is there already. When
// the response has no Vary header yet and buf is not nil, the header's
// value is stored in buf, storage that lives as long as the response
// (the exchange's), which spares an allocation on every request; a later
// Add copies it, as it would any full slice.
func addVary(h http.Header, name string, buf *[1]string) {
	vs := h["Vary"]
	for _, v := range vs {
		for v != "" {
			var f string
			f, v, _ = strings.Cut(v, ",")
			if strings.EqualFold(strings.TrimSpace(f), name) {
				return
			}
		}
	}
	if len(vs) == 0 && buf != nil {
		buf[0] = name
		h["Vary"] = buf[:]
		return
	}
	h["Vary"] = append(vs, name)
}

// validCookieName reports whether s is an HTTP token (RFC 7230), as cookie
// names must be.
func validCookieName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, c) >= 0 {
			return false
		}
	}
	return true
}
