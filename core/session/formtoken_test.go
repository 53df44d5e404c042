package session_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/session2/session2/core/session"
)

func formRoutes(planted *string) routes {
	rt := loginRoutes()
	rt["/form"] = func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
		s.Data().Set("cart", "1")
		tok, _ := s.NewFormToken()
		*planted = tok
	}
	rt["/check"] = func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
		if s.CheckFormToken(r.URL.Query().Get("t")) {
			w.Write([]byte("accepted"))
		}
	}
	return rt
}

// Security review, defect 2: a form token taken before login (by an
// attacker who planted the cookie) does not work after the login, nor
// after a Renew.
func TestLoginDropsFormTokens(t *testing.T) {
	for _, path := range []string{"/login?u=victim", "/renew"} {
		var planted string
		_, h := newApp(t, formRoutes(&planted))
		_, tok := do(h, "/form", "") // the attacker's session and form token
		_, tok2 := do(h, path, tok)
		if tok2 == "" || tok2 == "-" {
			t.Fatalf("%s set no cookie", path)
		}
		if rec, _ := do(h, "/check?t="+planted, tok2); rec.Body.String() == "accepted" {
			t.Errorf("%s: a form token issued before it was accepted after it", path)
		}
	}
}

// Security review, defect 2, through a merge: a form token another
// request created while the login was in flight is not brought back by
// the merge.
func TestLoginMergeDropsFormTokens(t *testing.T) {
	var planted string
	loaded, release := make(chan struct{}), make(chan struct{})
	rt := formRoutes(&planted)
	rt["/slow-login"] = func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
		close(loaded)
		<-release
		s.SetUser("victim")
	}
	_, h := newApp(t, rt)
	_, tok := do(h, "/set?k=a&v=1", "")
	var tok2 string
	done := make(chan struct{})
	go func() { defer close(done); _, tok2 = do(h, "/slow-login", tok) }()
	<-loaded
	do(h, "/form", tok) // the attacker takes a form token meanwhile
	close(release)
	<-done
	if tok2 == "" || tok2 == "-" {
		t.Fatal("login set no cookie")
	}
	if rec, _ := do(h, "/check?t="+planted, tok2); rec.Body.String() == "accepted" {
		t.Error("a form token created during the login was merged into the logged-in session")
	}
}

// Security review, defect 3: CheckFormToken after the response has
// started cannot save the consumption, so it refuses: otherwise the token
// could be replayed.
func TestCheckFormTokenAfterCommitRefuses(t *testing.T) {
	var planted string
	rt := formRoutes(&planted)
	rt["/late-check"] = func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
		w.Write([]byte("streaming "))
		if s.CheckFormToken(r.URL.Query().Get("t")) {
			w.Write([]byte("accepted"))
		}
	}
	_, h := newApp(t, rt)
	_, tok := do(h, "/form", "")
	for i := 0; i < 2; i++ {
		if rec, _ := do(h, "/late-check?t="+planted, tok); strings.Contains(rec.Body.String(), "accepted") {
			t.Errorf("attempt %d: CheckFormToken after the first byte accepted a token whose consumption cannot be saved", i+1)
		}
	}
	// The token is still outstanding: checked before the first byte, it works.
	if rec, _ := do(h, "/check?t="+planted, tok); rec.Body.String() != "accepted" {
		t.Error("the token refused after the commit was consumed anyway")
	}
}
