package session

import (
	"net"
	"net/http"
	"net/url"
	"strings"
)

// noteInsecureCookie logs, once per manager, that a Secure session cookie
// went to a browser that reached the site over plain HTTP on a host other
// than localhost. Browsers drop such a cookie, so every login loops back
// to the login page. It is called after a commit that set the cookie.
//
// The scheme the browser used is read from what the request says of it:
// X-Forwarded-Proto or Forwarded (a proxy's), else Origin or Referer (the
// browser's). A request that says nothing (not a browser) is not judged,
// and neither is one behind a proxy that ended TLS, SecureAlways's use.
func (m *Manager[T]) noteInsecureCookie(r *http.Request) {
	if r.TLS != nil || m.cfg.tokenHeader != "" || !m.secure(r) || m.insecureNoted.Load() {
		return
	}
	scheme, host := clientOrigin(r)
	if scheme != "http" || loopbackHost(host) {
		return
	}
	if !m.insecureNoted.CompareAndSwap(false, true) {
		return
	}
	cause, fix := "session.Cookie{Secure: session.SecureAlways} makes the session cookie Secure", "or leave Cookie.Secure at session.SecureAuto"
	if n := m.cfg.cookie.Name; strings.HasPrefix(n, "__Host-") || strings.HasPrefix(n, "__Secure-") {
		cause, fix = "the cookie name "+n+" makes the session cookie Secure", "or, for plain HTTP, a Cookie.Name without the prefix"
	}
	m.cfg.logger.Warn("session: "+cause+", but a browser reached "+host+" over plain HTTP: browsers drop a Secure cookie sent over HTTP, "+
		"so the session does not stick (a login loops back to the login page); serve the site over HTTPS, "+fix+" (logged once)",
		"method", r.Method, "path", r.URL.Path)
}

// clientOrigin returns the scheme ("http", "https", or "" when unknown)
// and host the client used, as the request tells them.
func clientOrigin(r *http.Request) (scheme, host string) {
	host = r.Host
	if p := r.Header.Get("X-Forwarded-Proto"); p != "" {
		p, _, _ = strings.Cut(p, ",")
		return strings.ToLower(strings.TrimSpace(p)), host
	}
	if f := r.Header.Get("Forwarded"); f != "" {
		first, _, _ := strings.Cut(f, ",")
		for _, pair := range strings.Split(first, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(pair), "=")
			if strings.EqualFold(k, "proto") {
				return strings.ToLower(strings.Trim(v, `"`)), host
			}
		}
	}
	for _, h := range []string{"Origin", "Referer"} {
		if v := r.Header.Get(h); v != "" && v != "null" {
			if u, err := url.Parse(v); err == nil && u.Host != "" {
				return strings.ToLower(u.Scheme), u.Host
			}
		}
	}
	return "", host
}

// loopbackHost reports whether host (with an optional port) is this
// machine: localhost, a name under .localhost, or a loopback address.
// Browsers treat plain HTTP to these as secure and keep Secure cookies.
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	host = strings.ToLower(host)
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
