package session

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
)

// ErrCSRF is the error of a state-changing request refused by [CSRF]: its
// token is missing or does not match the session's.
var ErrCSRF = errors.New("session: CSRF token missing or invalid")

// Defaults of [CSRF]: the header and the form field it reads the token
// from.
const (
	DefaultCSRFHeader = "X-CSRF-Token"
	DefaultCSRFField  = "csrf_token"
)

// csrfLabel separates the CSRF secret from every other use of the token.
const csrfLabel = "session2 csrf v1"

// csrfEncoding decodes a masked token: base64url without padding, and
// strict, so that one token has one spelling.
var csrfEncoding = base64.RawURLEncoding.Strict()

// csrfSecretLen is the length of the secret, and of the mask.
const csrfSecretLen = sha256.Size

// CSRFToken returns the session's CSRF token, to put in a form field or
// a header (htmx's hx-headers, a single-page app's fetch calls), and to
// check with [CSRF]. It is masked with fresh random bytes on every call,
// so no two renders of a page carry the same bytes (BREACH cannot recover
// it from compressed responses), yet every value it ever returned stays
// valid for as long as the session keeps its token: any number of tabs and
// page views submit.
//
// The secret behind it is derived from the session's cookie token by HMAC,
// not stored: asking for it costs no store write, a store never holds it,
// and a new token (SetUser, Renew, Destroy) rotates it, with nothing a
// concurrent request's merge could bring back. Ask for it after SetUser:
// a value taken before the login stops working with the old token.
//
// A session without info (an anonymous visitor) gets "", and nothing is
// created or stored: its forms (log in, sign up) are protected by
// [CrossOriginProtection], and [CSRF] lets an unsafe request of such a
// session through when it carries no token. So rendering a login form for
// a visitor makes no store call and sets no cookie. A nil Session also
// gets "".
func (s *Session[T]) CSRFToken() string {
	if s == nil {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.hasInfoLocked() {
		return ""
	}
	if s.token == "" {
		if s.committed {
			return "" // too late to give the session its token
		}
		if err := s.newTokenLocked(); err != nil {
			return ""
		}
	}
	secret := csrfSecret(s.token)
	var buf [2 * csrfSecretLen]byte
	if _, err := rand.Read(buf[:csrfSecretLen]); err != nil {
		return "" // fail closed: an unmasked token is never sent
	}
	for i := 0; i < csrfSecretLen; i++ {
		buf[csrfSecretLen+i] = buf[i] ^ secret[i]
	}
	return base64.RawURLEncoding.EncodeToString(buf[:])
}

// csrfVerify reports whether the session has info, and whether masked is
// one of its CSRF tokens, compared in constant time.
func (s *Session[T]) csrfVerify(masked string) (hasInfo, valid bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	hasInfo = s.hasInfoLocked()
	if !hasInfo || masked == "" || s.token == "" {
		return hasInfo, false
	}
	return true, csrfMatch(csrfSecret(s.token), masked)
}

// csrfSecret derives the session's CSRF secret from its cookie token:
// HMAC-SHA256 keyed by the token over csrfLabel (RFC 2104), computed on the
// stack. A token is 43 bytes, under SHA-256's 64-byte block, so it is the
// key as it is.
func csrfSecret(token string) [csrfSecretLen]byte {
	const block = sha256.BlockSize
	var inner [block + len(csrfLabel)]byte
	var outer [block + sha256.Size]byte
	copy(inner[:block], token)
	copy(outer[:block], token)
	for i := 0; i < block; i++ {
		inner[i] ^= 0x36
		outer[i] ^= 0x5c
	}
	copy(inner[block:], csrfLabel)
	sum := sha256.Sum256(inner[:])
	copy(outer[block:], sum[:])
	return sha256.Sum256(outer[:])
}

// csrfMatch unmasks masked and compares it with secret in constant time.
func csrfMatch(secret [csrfSecretLen]byte, masked string) bool {
	if csrfEncoding.DecodedLen(len(masked)) != 2*csrfSecretLen {
		return false
	}
	var buf [2 * csrfSecretLen]byte
	n, err := csrfEncoding.Decode(buf[:], []byte(masked))
	if err != nil || n != len(buf) {
		return false
	}
	var got [csrfSecretLen]byte
	for i := range got {
		got[i] = buf[i] ^ buf[csrfSecretLen+i]
	}
	return subtle.ConstantTimeCompare(got[:], secret[:]) == 1
}

// csrfKey finds the request's session as a csrfSource in its context,
// whatever its type.
type csrfKey struct{}

// csrfSource is the part of a Session[T] that [CSRF] uses.
type csrfSource interface {
	csrfVerify(masked string) (hasInfo, valid bool)
}

// CSRF checks the per-session CSRF token ([Session.CSRFToken]) of
// state-changing requests: the second layer of CSRF protection, behind
// the session middleware, after [CrossOriginProtection] in front of it:
//
//	cop := session.NewCrossOriginProtection()
//	csrf := session.NewCSRF(nil)
//	handler := cop.Handler(mgr.Handler(csrf.Handler(app)))
//
// The policy:
//
//   - GET, HEAD, OPTIONS and TRACE pass: they must not change state.
//   - A request that carries a token, in the header (X-CSRF-Token by
//     default) or else in the form field of a URL-encoded or multipart
//     body (csrf_token by default; never the URL), must carry a valid one
//     of its session, whatever else it carries.
//   - A request without a token passes when its session has no info: an
//     anonymous visitor's log-in or sign-up form, which
//     CrossOriginProtection guards with no session at all. Such a session
//     has no token, so a token in the header is refused, and its body is
//     never read: a form field of a stale page counts for nothing, and
//     the request is one without a token. An anonymous upload or a
//     webhook costs the check nothing.
//   - A request without a token, of a session with info, is refused when it
//     comes from a browser: it carries an Origin or a Sec-Fetch-Site header,
//     as every browser of the last years sends on a POST. Without either
//     (curl, scripts, a server calling another), it passes: no cross-site
//     page can make a modern browser send a request without them.
//   - Under [CSRFOptions].Strict, a request without a token of a session with
//     info is refused in any case.
//
// The lax policy is the default because it keeps scripts and
// server-to-server clients working with a cookie alone, as they did before
// the token existed, while every browser request that uses the session
// needs the token; strict suits sites whose only clients are browsers,
// and adds the old browsers that send neither header (SameSite=Lax
// cookies already keep most of those safe).
//
// A refused request goes to the error handler ([CSRFOptions].ErrorHandler;
// by default 403 Forbidden) with an error wrapping [ErrCSRF], and never
// reaches the handler. The token is never logged nor put in the error.
//
// A CSRF is safe for concurrent use and never changes after NewCSRF.
type CSRF struct {
	header    string
	field     string
	strict    bool
	bodyLimit int64        // 0: the header alone
	onError   ErrorHandler // nil: the default 403
}

// CSRFOptions configures [NewCSRF]. Its zero value, like a nil
// *CSRFOptions, gives the default check.
type CSRFOptions struct {
	// Header is the header the token is read from; "" is
	// [DefaultCSRFHeader] (X-CSRF-Token).
	Header string

	// Field is the form field the token is read from; "" is
	// [DefaultCSRFField] (csrf_token).
	Field string

	// BodyLimit is the most bytes of a form body the check reads to find
	// the token field when the header carries none; a token beyond them is
	// not found. 0 is [DefaultCSRFBodyLimit] (256 KiB). A negative limit
	// never reads the body: the token must come in the header. For one
	// route only (an upload endpoint, a JSON API), wrap that route in a
	// CSRF of its own.
	BodyLimit int64

	// Strict requires the token on every unsafe request of a session with
	// info, scripts included (default false: see [CSRF] for the policy).
	Strict bool

	// ErrorHandler answers refused requests, with an error wrapping
	// [ErrCSRF]. nil answers 403 Forbidden with a short plain-text body.
	ErrorHandler ErrorHandler
}

// NewCSRF returns the CSRF token check configured by o; nil is the
// default check.
func NewCSRF(o *CSRFOptions) *CSRF {
	p := &CSRF{header: DefaultCSRFHeader, field: DefaultCSRFField, bodyLimit: DefaultCSRFBodyLimit}
	if o == nil {
		return p
	}
	if o.Header != "" {
		p.header = o.Header
	}
	if o.Field != "" {
		p.field = o.Field
	}
	switch {
	case o.BodyLimit > 0:
		p.bodyLimit = o.BodyLimit
	case o.BodyLimit < 0:
		p.bodyLimit = 0
	}
	p.strict = o.Strict
	p.onError = o.ErrorHandler
	return p
}

// Header returns the name of the header the token is read from.
func (p *CSRF) Header() string { return p.header }

// Field returns the name of the form field the token is read from.
func (p *CSRF) Field() string { return p.field }

// Check returns nil for a request that may pass, and a *[Refusal]
// wrapping [ErrCSRF] for one to refuse (403 Forbidden, or the error
// handler of [CSRFOptions].ErrorHandler). It needs the request's session: r must
// come from behind a session middleware (the core's or an adapter's);
// without one, every unsafe request is refused.
//
// The header is checked first, without reading the body. Only when it is
// absent, and the session has info (a session without info has no token,
// so its body is never read), does Check look for the form field in a
// URL-encoded or multipart body of a POST, PUT or PATCH: it reads at most
// the body limit ([CSRFOptions].BodyLimit, by default
// [DefaultCSRFBodyLimit]), stops at the field, and in a multipart form at
// the first file, which it never reads (so a form must put its token
// field before its file inputs, or the token in the header). What it read
// is put back in front of the rest: the handler reads the body whole and
// unchanged (a webhook can check a signature over it, a handler can limit
// it with http.MaxBytesReader or stream it with r.MultipartReader), and
// r.PostForm and r.MultipartForm stay unset. A body parsed before Check
// (r.PostForm set) is not read again.
func (p *CSRF) Check(r *http.Request) error {
	if err := p.check(r); err != nil {
		return p.refusal(err)
	}
	return nil
}

// check is Check without the Refusal around the error.
func (p *CSRF) check(r *http.Request) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return nil
	}
	src, ok := r.Context().Value(csrfKey{}).(csrfSource)
	if !ok {
		return fmt.Errorf("%w: no session middleware in front of the check", ErrCSRF)
	}
	tok := r.Header.Get(p.header)
	hasInfo, valid := src.csrfVerify(tok)
	cut := false
	if tok == "" && hasInfo && p.bodyLimit > 0 {
		var err error
		tok, cut, err = bodyToken(r, p.field, p.bodyLimit)
		if err != nil {
			return fmt.Errorf("%w: reading the body: %v", ErrCSRF, err)
		}
		if tok != "" {
			hasInfo, valid = src.csrfVerify(tok)
		}
	}
	switch {
	case tok != "" && valid:
		return nil
	case tok != "":
		return fmt.Errorf("%w: the token does not match the session", ErrCSRF)
	case !hasInfo:
		return nil // an anonymous form: CrossOriginProtection's to guard
	case !p.strict && r.Header.Get("Origin") == "" && r.Header.Get("Sec-Fetch-Site") == "":
		return nil // not a browser: no cross-site page can send it
	case cut:
		return fmt.Errorf("%w: no token in the header, nor in the form body's first %d bytes before any file", ErrCSRF, p.bodyLimit)
	case p.strict:
		return fmt.Errorf("%w: no token", ErrCSRF)
	}
	return fmt.Errorf("%w: no token in a browser's request", ErrCSRF)
}

// refusal is the Refusal of a request refused with err: 403 Forbidden,
// or the application's error handler, which gets err.
func (p *CSRF) refusal(err error) *Refusal {
	ref := &Refusal{Status: http.StatusForbidden, Message: "missing or invalid CSRF token", Err: err}
	if p.onError != nil {
		ref.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { p.onError(w, r, err) })
	}
	return ref
}

// Handler returns next behind the check: a refused request goes to the
// error handler and never reaches next.
func (p *CSRF) Handler(next http.Handler) http.Handler {
	if next == nil {
		panic("session: CSRF.Handler of a nil http.Handler")
	}
	return guard(p.Check, next)
}
