package session

import (
	"net/http"
	"strings"
)

// DefaultTokenResponseHeader is the response header that carries the
// token of a new or renewed session in header-token mode when the request
// header is Authorization.
const DefaultTokenResponseHeader = "X-Session-Token"

// WithHeaderToken makes the manager read the session token from the
// request header name instead of a cookie, for API clients (mobile apps,
// command-line tools) that keep the token themselves. No cookie is read or
// set in this mode.
//
// With name "Authorization" the header must be "Bearer <token>" (the
// scheme in any case). With any other name, such as "X-Session-Token", the
// header holds the token alone.
//
// The token of a new or renewed session goes out in a response header:
// [DefaultTokenResponseHeader] ("X-Session-Token") when name is
// Authorization, else name itself. A destroyed session's response carries
// that header with an empty value: the client drops its token. Such
// responses get Cache-Control: no-store, and every response to a request
// that carried a token, or whose handler looked up the session, gets
// Vary: name. A logout (Destroy) of a request whose header held a value
// of the wrong shape answers the empty header too.
//
// The token is checked, hashed, renewed (SetUser, Renew) and expired
// exactly as a cookie's: a value not of a token's exact shape is ignored
// without touching the store. A browser never attaches such a header to a
// request on its own, so a cross-site page cannot make requests that
// carry the session: CSRF tokens are not needed in this mode (a CORS
// policy that allows other origins to send the header would change that).
//
// A browser script on another origin (a front end at https://app.example.com
// calling an API at https://api.example.com) sees only the CORS-safelisted
// response headers, so it cannot read the token of a new or renewed session
// unless the API's responses carry
//
//	Access-Control-Expose-Headers: X-Session-Token
//
// (the name [Manager.TokenResponseHeader] returns), and its preflight
// answers allow the request header with Access-Control-Allow-Headers:
// Authorization (or the name given here). The manager sets no CORS headers
// itself: the application's CORS middleware does. Without the first, the
// client never gets a token, and every request of its starts a new, empty
// session.
func WithHeaderToken(name string) Option {
	return func(c *config) {
		c.tokenHeader = http.CanonicalHeaderKey(name)
		c.tokenHeaderSet = true
	}
}

// validateHeaderToken checks WithHeaderToken's name.
func (c *config) validateHeaderToken() []error {
	if !c.tokenHeaderSet {
		return nil
	}
	if c.tokenHeader == "" || !validCookieName(c.tokenHeader) {
		return []error{errorf("token header %q is not a valid header name", c.tokenHeader)}
	}
	return nil
}

// TokenHeader returns the request header the session token is read from in
// header-token mode ([WithHeaderToken]), "" in cookie mode.
func (m *Manager[T]) TokenHeader() string { return m.cfg.tokenHeader }

// TokenResponseHeader returns the response header that carries a new or
// renewed session's token in header-token mode, "" in cookie mode.
func (m *Manager[T]) TokenResponseHeader() string {
	switch m.cfg.tokenHeader {
	case "":
		return ""
	case "Authorization":
		return DefaultTokenResponseHeader
	}
	return m.cfg.tokenHeader
}

// RequestToken returns the well-formed session token r carries (in the
// cookie, or in header-token mode in the header), "" when it carries none.
func (m *Manager[T]) RequestToken(r *http.Request) string { return m.requestToken(r.Header) }

// SetRequestToken puts token on r as a client sends it: as the session
// cookie, replacing any, or in header-token mode in the token header.
// Tests and Go clients use it.
func (m *Manager[T]) SetRequestToken(r *http.Request, token string) {
	switch m.cfg.tokenHeader {
	case "":
		var kept []string
		for _, c := range r.Cookies() {
			if c.Name != m.cfg.cookie.Name {
				kept = append(kept, c.String())
			}
		}
		kept = append(kept, m.cfg.cookie.Name+"="+token)
		r.Header.Set("Cookie", strings.Join(kept, "; "))
	case "Authorization":
		r.Header.Set("Authorization", "Bearer "+token)
	default:
		r.Header.Set(m.cfg.tokenHeader, token)
	}
}

// ResponseToken returns the session token a response's header sent: sent
// is false when it sent none (the session was unchanged, or is not
// stored), and token is "" with sent true when it revoked the session (a
// logout). Tests and Go clients use it.
func (m *Manager[T]) ResponseToken(h http.Header) (token string, sent bool) {
	if name := m.TokenResponseHeader(); name != "" {
		vs, ok := h[http.CanonicalHeaderKey(name)]
		if !ok || len(vs) == 0 {
			return "", false
		}
		return vs[len(vs)-1], true
	}
	res := http.Response{Header: http.Header{"Set-Cookie": h.Values("Set-Cookie")}}
	for _, c := range res.Cookies() {
		if c.Name != m.cfg.cookie.Name {
			continue
		}
		if c.MaxAge < 0 || c.Value == "" {
			token, sent = "", true
		} else {
			token, sent = c.Value, true
		}
	}
	return token, sent
}

// requestToken returns the well-formed token in h, "" without one.
func (m *Manager[T]) requestToken(h http.Header) string {
	if m.cfg.tokenHeader == "" {
		return cookieToken(h, m.cfg.cookie.Name)
	}
	vs := h[m.cfg.tokenHeader]
	if len(vs) == 0 {
		return ""
	}
	v := vs[0]
	if m.cfg.tokenHeader == "Authorization" {
		scheme, rest, ok := strings.Cut(v, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return ""
		}
		v = rest
	}
	v = strings.Trim(v, " \t")
	if !validToken(v) {
		return ""
	}
	return v
}

// presentsToken reports whether h carries the session cookie, or in
// header-token mode the token header, with a value of any shape.
func (m *Manager[T]) presentsToken(h http.Header) bool {
	if m.cfg.tokenHeader == "" {
		return hasCookie(h, m.cfg.cookie.Name)
	}
	return len(h[m.cfg.tokenHeader]) > 0
}

// sendHeaderToken writes token (empty to revoke) into the response header
// of header-token mode.
func (m *Manager[T]) sendHeaderToken(h http.Header, token string) {
	h.Set(m.TokenResponseHeader(), token)
	h.Set("Cache-Control", "no-store")
	m.vary(h)
}
