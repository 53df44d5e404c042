package session

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// ErrCrossOrigin is the error of a state-changing request that a browser
// sent from another origin; see [CrossOriginProtection].
var ErrCrossOrigin = errors.New("session: cross-origin request refused")

// CrossOriginProtection refuses state-changing requests that a browser
// sends on behalf of another site, with no token and no session: it
// protects anonymous forms (log in, sign up) without storing anything. It
// follows the design of Go 1.25's net/http.CrossOriginProtection, for the
// Go versions this module supports:
//
//   - GET, HEAD and OPTIONS pass: they must not change state.
//   - A request whose Sec-Fetch-Site header is "same-origin" or "none"
//     passes; any other value ("same-site", "cross-site") is refused unless
//     its Origin is trusted.
//   - Without Sec-Fetch-Site (older browsers), a request whose Origin
//     header names the request's own host passes, as does a trusted one;
//     another Origin is refused.
//   - A request with neither header passes: it comes from a same-origin
//     page of an old browser, or from something that is not a browser
//     (curl, a server), which no cross-site attack can drive.
//
// Requests matching a bypass pattern pass in any case. The per-session
// token ([Session.CSRFToken]) is the second layer, for old browsers that
// send neither header and as defence in depth.
//
// The zero value is not usable; use [NewCrossOriginProtection]. Its
// methods may be called concurrently with Check and Handler.
type CrossOriginProtection struct {
	mu      sync.RWMutex
	trusted map[string]bool // "scheme://host[:port]", lower case
	bypass  *http.ServeMux
	nBypass int
	deny    http.Handler
}

// NewCrossOriginProtection returns a protection that trusts no other
// origin, bypasses nothing, and answers a refused request 403 Forbidden.
func NewCrossOriginProtection() *CrossOriginProtection {
	return &CrossOriginProtection{trusted: map[string]bool{}, bypass: http.NewServeMux()}
}

// AddTrustedOrigin lets requests from origin pass, such as
// "https://app.example.com" for a front end served from another host. The
// origin is a scheme and a host with an optional port, and nothing else.
func (p *CrossOriginProtection) AddTrustedOrigin(origin string) error {
	u, err := url.Parse(origin)
	if err != nil {
		return fmt.Errorf("session: trusted origin %q: %w", origin, err)
	}
	if u.Scheme == "" || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("session: trusted origin %q: want scheme://host[:port] and nothing else", origin)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.trusted[strings.ToLower(u.Scheme+"://"+u.Host)] = true
	return nil
}

// AddBypassPattern lets requests that match pattern pass unchecked. The
// pattern has the syntax of [http.ServeMux] ("POST /webhooks/",
// "/api/{id}"). Use it only for endpoints that authenticate in another way
// (a signed webhook, a bearer token).
func (p *CrossOriginProtection) AddBypassPattern(pattern string) (err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer func() {
		// ServeMux panics on an invalid or conflicting pattern.
		if r := recover(); r != nil {
			err = fmt.Errorf("session: bypass pattern %q: %v", pattern, r)
		}
	}()
	p.bypass.Handle(pattern, http.NotFoundHandler())
	p.nBypass++
	return nil
}

// SetDenyHandler sets the handler of refused requests. The default answers
// 403 Forbidden with a short plain-text body. The handler can find
// [ErrCrossOrigin] by calling Check again.
func (p *CrossOriginProtection) SetDenyHandler(h http.Handler) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.deny = h
}

// Check returns nil for a request that may pass, and an error wrapping
// [ErrCrossOrigin] for one to refuse.
func (p *CrossOriginProtection) Check(r *http.Request) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		if site == "same-origin" || site == "none" {
			return nil
		}
		if p.trustedOrigin(r) || p.bypassed(r) {
			return nil
		}
		return fmt.Errorf("%w: Sec-Fetch-Site is %q", ErrCrossOrigin, site)
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil
	}
	if u, err := url.Parse(origin); err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host) {
		return nil
	}
	if p.trustedOrigin(r) || p.bypassed(r) {
		return nil
	}
	return fmt.Errorf("%w: Origin does not match the request's host", ErrCrossOrigin)
}

func (p *CrossOriginProtection) trustedOrigin(r *http.Request) bool {
	origin := strings.ToLower(r.Header.Get("Origin"))
	if origin == "" {
		return false
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.trusted[origin]
}

func (p *CrossOriginProtection) bypassed(r *http.Request) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.nBypass == 0 {
		return false
	}
	_, pattern := p.bypass.Handler(r)
	return pattern != ""
}

// Handler returns next behind the protection: a refused request goes to
// the deny handler and never reaches next (nor, behind it, a session
// store).
func (p *CrossOriginProtection) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := p.Check(r); err != nil {
			p.mu.RLock()
			deny := p.deny
			p.mu.RUnlock()
			if deny != nil {
				deny.ServeHTTP(w, r)
				return
			}
			http.Error(w, "403 Forbidden: cross-origin request refused", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}
