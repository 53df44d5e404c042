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
// Requests matching a bypass pattern ([CrossOriginProtection.AddInsecureBypassPattern])
// pass in any case. The per-session token ([Session.CSRFToken]) is the
// second layer, for old browsers that send neither header and as defence
// in depth.
//
// The zero value is usable: it trusts no other origin and bypasses
// nothing, like the one [NewCrossOriginProtection] returns. Its methods
// may be called concurrently with Check and Handler. A
// CrossOriginProtection must not be copied after first use.
type CrossOriginProtection struct {
	mu      sync.RWMutex
	trusted map[string]bool // "scheme://host[:port]", lower case; nil until the first AddTrustedOrigin
	bypass  *http.ServeMux  // every pattern routes to bypassMark; nil until the first pattern
	deny    http.Handler
}

// NewCrossOriginProtection returns a protection that trusts no other
// origin, bypasses nothing, and answers a refused request 403 Forbidden.
// It is the same as a zero CrossOriginProtection.
func NewCrossOriginProtection() *CrossOriginProtection {
	return &CrossOriginProtection{}
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
	if p.trusted == nil {
		p.trusted = map[string]bool{}
	}
	p.trusted[strings.ToLower(u.Scheme+"://"+u.Host)] = true
	return nil
}

// bypassMarker is the handler every bypass pattern is registered with on
// the protection's private ServeMux. A request bypasses the check only
// when that ServeMux hands back this very handler: a redirect (to add a
// trailing slash, or to a cleaned path), a 404 or a 405 is another
// handler, whatever pattern it names.
type bypassMarker struct{ _ byte } // not zero-sized: its address is unique

func (*bypassMarker) ServeHTTP(http.ResponseWriter, *http.Request) {}

var bypassMark http.Handler = &bypassMarker{}

// AddInsecureBypassPattern lets requests that match pattern pass
// unchecked. The pattern has the syntax and precedence of [http.ServeMux]
// ("POST /webhooks/", "/api/{id}"), and a request matches only if a
// ServeMux holding the bypass patterns would serve it with the pattern's
// own handler: a request that ServeMux would redirect (from "/login" to a
// pattern "/login/", or from "/a/../login/x" to "/login/x") does not
// match, as in Go 1.25.1's net/http. Nor does a request whose escaped path
// holds an escaped slash ("%2F"), since routers disagree on whether it
// splits a segment: gin, by default, routes "/hooks/a%2Fb" as
// "/hooks/a/b", where ServeMux sees one segment "a/b".
//
// Use it only for endpoints that authenticate in another way (a signed
// webhook, a bearer token). It returns an error, and adds nothing, for an
// invalid pattern or one that conflicts with a pattern already added.
func (p *CrossOriginProtection) AddInsecureBypassPattern(pattern string) (err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bypass == nil {
		p.bypass = http.NewServeMux()
	}
	defer func() {
		// ServeMux panics on an invalid or conflicting pattern.
		if r := recover(); r != nil {
			err = fmt.Errorf("session: bypass pattern %q: %v", pattern, r)
		}
	}()
	p.bypass.Handle(pattern, bypassMark)
	return nil
}

// AddBypassPattern is [CrossOriginProtection.AddInsecureBypassPattern].
//
// Deprecated: use AddInsecureBypassPattern, the name of net/http's
// method, which says what a bypass costs.
func (p *CrossOriginProtection) AddBypassPattern(pattern string) error {
	return p.AddInsecureBypassPattern(pattern)
}

// SetDenyHandler sets the handler of refused requests. The default answers
// 403 Forbidden with a short plain-text body. The handler can find
// [ErrCrossOrigin] by calling Check again.
func (p *CrossOriginProtection) SetDenyHandler(h http.Handler) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.deny = h
}

// Check returns nil for a request that may pass, and a *[Refusal]
// wrapping [ErrCrossOrigin] for one to refuse (403 Forbidden, or the deny
// handler).
func (p *CrossOriginProtection) Check(r *http.Request) error {
	err := p.check(r)
	if err == nil {
		return nil
	}
	p.mu.RLock()
	deny := p.deny
	p.mu.RUnlock()
	return &Refusal{Status: http.StatusForbidden, Message: "cross-origin request refused", Err: err, Handler: deny}
}

// check is Check without the Refusal around the error.
func (p *CrossOriginProtection) check(r *http.Request) error {
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
	mux := p.bypass
	p.mu.RUnlock()
	if mux == nil {
		return false
	}
	if strings.Contains(strings.ToLower(r.URL.RawPath), "%2f") {
		return false
	}
	h, _ := mux.Handler(r)
	return h == bypassMark
}

// Handler returns next behind the protection: a refused request goes to
// the deny handler and never reaches next (nor, behind it, a session
// store).
func (p *CrossOriginProtection) Handler(next http.Handler) http.Handler {
	return guard(p.Check, next)
}
