package session

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
)

// MaxFormTokens is how many form tokens a session keeps; creating one more
// drops the oldest.
const MaxFormTokens = 32

// NewFormToken creates a single-use token to put in a form and check with
// CheckFormToken when the form comes back, for a one-shot action that must
// not be submitted twice. CSRF protection is [CrossOriginProtection] and
// [Session.CSRFToken], not this. The session keeps the newest
// MaxFormTokens tokens.
func (s *Session[T]) NewFormToken() (string, error) {
	var b [18]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("session: reading random bytes: %w", err)
	}
	tok := base64.RawURLEncoding.EncodeToString(b[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.committed {
		s.lateLocked()
		return "", ErrCommitted
	}
	s.tokens = appendCapped(s.tokens, tok)
	s.ops.tokAdded = append(s.ops.tokAdded, tok)
	s.ops.metaDirty = true
	return tok, nil
}

// appendCapped appends v to list, keeping the newest MaxFormTokens.
func appendCapped(list []string, v string) []string {
	list = append(list, v)
	if n := len(list) - MaxFormTokens; n > 0 {
		list = append(list[:0:0], list[n:]...)
	}
	return list
}

// CheckFormToken reports whether tok is one of the session's outstanding
// form tokens, and consumes it. It compares in constant time against every
// token, so timing reveals nothing about which characters matched. After
// the commit it answers false: the consumption could not be saved, and the
// token could be replayed.
func (s *Session[T]) CheckFormToken(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.committed {
		s.lateLocked()
		return false
	}
	found := -1
	for i, t := range s.tokens {
		if subtle.ConstantTimeCompare([]byte(t), []byte(tok)) == 1 && found < 0 {
			found = i
		}
	}
	if found < 0 {
		return false
	}
	s.tokens = append(s.tokens[:found:found], s.tokens[found+1:]...)
	s.ops.tokUsed = append(s.ops.tokUsed, tok)
	s.ops.metaDirty = true
	return true
}

// Where CheckRequest, and the adapters' CheckFormToken middlewares, look for
// a form token: the header first, then the form field of a POST body.
const (
	FormTokenHeader = "X-Form-Token"
	FormTokenField  = "form_token"
)

// CheckRequest reports whether r may go on as far as form tokens are
// concerned: requests of a safe method (GET, HEAD, OPTIONS, TRACE) always;
// others only with one of the session's form tokens in the X-Form-Token
// header or the form_token field of the body (never the URL), which it
// consumes. The adapters' CheckFormToken middlewares are built on it. A nil
// Session (no session middleware in front) lets only safe methods through.
//
// The body is read as [CSRF.Check] reads it: only when the header is
// absent and the session has form tokens outstanding, at most
// [DefaultCSRFBodyLimit] bytes, up to the field and never past a multipart
// form's first file, and what was read is put back in front of the rest.
func (s *Session[T]) CheckRequest(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	if s == nil {
		return false // no session, so no token to match
	}
	tok := r.Header.Get(FormTokenHeader)
	if tok == "" && s.FormTokenCount() > 0 {
		tok, _, _ = bodyToken(r, FormTokenField, DefaultCSRFBodyLimit)
	}
	return tok != "" && s.CheckFormToken(tok)
}

// FormTokenCount returns how many form tokens are outstanding.
func (s *Session[T]) FormTokenCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.tokens)
}
