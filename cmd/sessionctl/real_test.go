package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/session2/session2/core/session"
)

// realSession is a session stored by the core's manager over real HTTP.
type realSession struct {
	key        string   // its store key
	token      string   // the cookie's value: a secret
	formTokens []string // secrets too
}

// newRealSession logs alice in through a manager on store, counts to 3,
// and leaves two form tokens and a flash message in her session.
func newRealSession(t *testing.T, store session.Store) realSession {
	t.Helper()
	mgr, err := session.New[session.Map](store)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		s := mgr.Get(r)
		if err := s.SetUser("alice"); err != nil {
			t.Error(err)
		}
		s.Data().Set("counter", 1)
		tok, err := s.NewFormToken()
		if err != nil {
			t.Error(err)
		}
		io.WriteString(w, tok)
	})
	mux.HandleFunc("/more", func(w http.ResponseWriter, r *http.Request) {
		s := mgr.Get(r)
		n, _ := s.Data().GetInt("counter")
		s.Data().Set("counter", n+2)
		s.AddFlash("saved")
		tok, err := s.NewFormToken()
		if err != nil {
			t.Error(err)
		}
		io.WriteString(w, s.ID()+" "+tok)
	})
	srv := httptest.NewServer(mgr.Handler(mux))
	t.Cleanup(srv.Close)
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar}
	get := func(path string) string {
		t.Helper()
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
		}
		return string(b)
	}
	tok1 := get("/login")
	key, tok2, _ := strings.Cut(get("/more"), " ")
	u, _ := url.Parse(srv.URL)
	var token string
	for _, c := range jar.Cookies(u) {
		if c.Name == mgr.CookieName() {
			token = c.Value
		}
	}
	if !session.IsKey(key) || token == "" {
		t.Fatalf("no session: key %q", key)
	}
	return realSession{key: key, token: token, formTokens: []string{tok1, tok2}}
}
