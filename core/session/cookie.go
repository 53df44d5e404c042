package session

import (
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

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
	switch m.cfg.secure {
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
	b.WriteString(m.cfg.cookieName)
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
	b.WriteString(m.cfg.cookieName)
	b.WriteString("=")
	m.cookieAttrs(&b, x.r)
	b.WriteString("; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0")
	h.Add("Set-Cookie", b.String())
	noStore(h)
}

func (m *Manager[T]) cookieAttrs(b *strings.Builder, r *http.Request) {
	b.WriteString("; Path=")
	b.WriteString(m.cfg.cookiePath)
	if m.cfg.cookieDomain != "" {
		b.WriteString("; Domain=")
		b.WriteString(m.cfg.cookieDomain)
	}
	b.WriteString("; HttpOnly")
	if m.secure(r) {
		b.WriteString("; Secure")
	}
	switch m.cfg.sameSite {
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
