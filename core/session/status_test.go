package session_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"testing"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// TestStatus: Status reports what each request did, as its commit sees
// it, over real HTTP.
func TestStatus(t *testing.T) {
	m := sessiontest.NewManager[session.Map](t)
	var after session.Status
	actions := map[string]func(s *session.Session[session.Map]){
		"/nothing": func(s *session.Session[session.Map]) {},
		"/read":    func(s *session.Session[session.Map]) { s.Data().GetString("a") },
		"/set":     func(s *session.Session[session.Map]) { s.Data().Set("a", "1") },
		"/set2":    func(s *session.Session[session.Map]) { s.Data().Set("a", "2") },
		"/pop":     func(s *session.Session[session.Map]) { s.Data().Pop("a") },
		"/login":   func(s *session.Session[session.Map]) { s.SetUser("ann") },
		"/flash":   func(s *session.Session[session.Map]) { s.AddFlash("hi") },
		"/persist": func(s *session.Session[session.Map]) { s.SetPersistent(true) },
		"/renew":   func(s *session.Session[session.Map]) { s.Renew() },
		"/logout":  func(s *session.Session[session.Map]) { s.Destroy() },
	}
	srv := httptest.NewServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := m.Get(r)
		actions[r.URL.Path](s)
		io.WriteString(w, s.Status().String())
		after = s.Status() // the response has started
	})))
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	steps := []struct{ path, want string }{
		{"/nothing", "unmodified"}, // new, no info: not saved
		{"/set", "modified"},       // new with info
		{"/read", "unmodified"},
		{"/set", "unmodified"}, // the value stored already: no change
		{"/set2", "modified"},
		{"/flash", "modified"},
		{"/read", "unmodified"},
		{"/login", "modified"},
		{"/persist", "modified"},
		{"/renew", "modified"},
		{"/pop", "modified"},
		{"/logout", "destroyed"},
	}
	for i, st := range steps {
		res, err := client.Get(srv.URL + st.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if string(b) != st.want {
			t.Errorf("step %d %s: Status %s, want %s", i, st.path, b, st.want)
		}
		want := session.StatusUnmodified
		if st.want == "destroyed" {
			want = session.StatusDestroyed
		}
		if after != want {
			t.Errorf("step %d %s: Status after the response started %s, want %s", i, st.path, after, want)
		}
	}
	if s := session.Status(7).String(); s != "Status(7)" {
		t.Errorf("String of an unknown Status: %q", s)
	}
}
