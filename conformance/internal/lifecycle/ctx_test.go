package lifecycle

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/session2/session2/core/session"
)

// A client that goes away (net/http then cancels the request's context)
// between the handler's Destroy and the commit still gets logged out: the
// commit's store calls do not use the request's cancellation.
func TestLogoutAppliedWhenClientGoesAway(t *testing.T) {
	var cancel context.CancelFunc
	_, h := newApp(t, routes{
		"/login": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) { s.SetUser("ann") },
		"/logout": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			s.Destroy()
			cancel() // the client closes the tab / the connection drops
		},
		"/user": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			w.Write([]byte(s.User()))
		},
	})
	_, tok := do(h, "/login", "")
	ctx, c := context.WithCancel(context.Background())
	cancel = c
	req := httptest.NewRequest("GET", "/logout", nil).WithContext(ctx)
	req.Header.Set("Cookie", "session="+tok)
	h.ServeHTTP(httptest.NewRecorder(), req)
	rec, _ := do(h, "/user", tok)
	if u := rec.Body.String(); u != "" {
		t.Errorf("Destroy was not applied because the request context was cancelled: the token still gives user %q", u)
	}
}
