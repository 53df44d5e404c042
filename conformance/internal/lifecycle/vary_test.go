package lifecycle

import (
	"net/http"
	"testing"

	"github.com/session2/session2/conformance/storetest"
	"github.com/session2/session2/core/session"
)

// Security review, defect 5: every response to a request that carried a
// session cookie varies on Cookie: a 5xx, a read-only page served
// anonymously during an outage, and the error handler's answer.
func TestVaryCookieEverywhere(t *testing.T) {
	st := newStore(t)
	rt := loginRoutes()
	rt["/fail"] = func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}
	_, h := newAppOn(t, st, rt, session.WithOutagePolicy(session.OutageAnonymous))
	_, tok := do(h, "/login?u=ann", "")
	if rec, _ := do(h, "/fail", tok); !varies(rec.Header()) {
		t.Errorf("a 5xx to a request with a cookie: Vary %q, want Cookie", rec.Header().Values("Vary"))
	}
	st.Fail(storetest.Load, storetest.ErrInjected)
	if rec, _ := do(h, "/user", tok); !varies(rec.Header()) {
		t.Errorf("a read-only page served anonymously during an outage: Vary %q, want Cookie", rec.Header().Values("Vary"))
	}
	_, h2 := newAppOn(t, st, rt) // OutageError: the error handler answers
	if rec, _ := do(h2, "/user", tok); rec.Code < 500 || !varies(rec.Header()) {
		t.Errorf("the error handler's answer to a request with a cookie: status %d, Vary %q, want 5xx and Cookie", rec.Code, rec.Header().Values("Vary"))
	}
}
