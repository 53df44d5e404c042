package session_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// A logout whose Delete fails fails the request (the error handler
// answers, the session stays) rather than telling the user they are
// logged out.
func TestLogoutDeleteFails(t *testing.T) {
	st := newWrapped()
	ev := &evlog{}
	_, h := newAppOn(t, st, loginRoutes(), session.WithEventHook(ev.hook))
	_, tok := do(h, "/login?u=ann", "")
	st.Fail(sessiontest.Delete, sessiontest.ErrInjected)
	ev.reset()
	rec, out := do(h, "/logout", tok)
	st.Fail(sessiontest.Delete, nil)
	if rec.Code < 500 || out == "-" {
		t.Errorf("logout whose Delete failed: status %d, cookie %q; want the error handler and the cookie kept", rec.Code, out)
	}
	if ev.count(session.EventStoreError) != 1 || ev.count(session.EventDestroyed) != 0 {
		t.Errorf("events %v, want one store error and no destroyed", ev.kinds())
	}
	if rec, _ := do(h, "/user", tok); rec.Body.String() != "ann" {
		t.Errorf("after the failed logout: user %q, want ann still logged in", rec.Body)
	}
}

// A renewal whose deletion of the retired record fails still succeeds:
// the retired record is a tombstone nobody loads, and the failure is a
// warning.
func TestRenewalSurvivesFailedCleanup(t *testing.T) {
	st := newWrapped()
	ev := &evlog{}
	_, h := newAppOn(t, st, loginRoutes(), session.WithEventHook(ev.hook))
	_, tok := do(h, "/login?u=ann", "")
	st.Fail(sessiontest.Delete, sessiontest.ErrInjected)
	ev.reset()
	rec, renewed := do(h, "/renew", tok)
	st.Fail(sessiontest.Delete, nil)
	if rec.Code != http.StatusOK || renewed == "" || renewed == "-" {
		t.Fatalf("renewal whose cleanup failed: status %d, cookie %q; want 200 and a new token", rec.Code, renewed)
	}
	if ev.count(session.EventStoreError) != 1 || ev.count(session.EventRenewed) != 1 {
		t.Errorf("events %v, want a store error and a renewal", ev.kinds())
	}
	if rec, _ := do(h, "/user", renewed); rec.Body.String() != "ann" {
		t.Errorf("the renewed token: user %q, want ann", rec.Body)
	}
	if rec, _ := do(h, "/user", tok); rec.Body.String() != "" {
		t.Errorf("the old token still loads user %q", rec.Body)
	}
}

type ctxKey struct{}

// The store calls of a request see its context's values (a trace span, a
// tenant), and a bounded deadline, also for the commit, which outlives the
// request's cancellation.
func TestStoreCallsCarryRequestValues(t *testing.T) {
	st := newWrapped()
	seen := map[sessiontest.Op]any{}
	deadlines := map[sessiontest.Op]bool{}
	for _, op := range []sessiontest.Op{sessiontest.Load, sessiontest.Save} {
		st.Before(op, func(ctx context.Context, _ string, _ session.Record, _ error) error {
			seen[op] = ctx.Value(ctxKey{})
			_, deadlines[op] = ctx.Deadline()
			return nil
		})
	}
	_, h := newAppOn(t, st, loginRoutes(), session.WithCommitTimeout(time.Minute))
	_, tok := do(h, "/set?k=a&v=1", "")
	ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), ctxKey{}, "trace-1"), time.Hour)
	defer cancel()
	r := reqWith("/set?k=a&v=2", tok).WithContext(ctx)
	h.ServeHTTP(httptest.NewRecorder(), r)
	for _, op := range []sessiontest.Op{sessiontest.Load, sessiontest.Save} {
		if seen[op] != "trace-1" || !deadlines[op] {
			t.Errorf("%s: context value %v, deadline %v; want the request's value and a deadline", op, seen[op], deadlines[op])
		}
	}
}

// An adapter whose framework answers errors itself (SetErrorResponder)
// gets a failed commit: the handler's headers are gone, the response is
// not cached and varies on the cookie, and the manager's error handler is
// not called.
func TestErrorResponderAnswersFailedCommit(t *testing.T) {
	st := newWrapped()
	handlerCalled := false
	m := newMgr(t, st, nil, session.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, err error) {
		handlerCalled = true
	}))
	if m.ErrorHandler() == nil {
		t.Error("ErrorHandler does not return what New was given")
	}
	_, tok := run(m, "", func(s *session.Session[session.Map]) { s.Data().Set("a", 1) })
	x, r, err := m.Begin(reqWith("/", tok))
	if err != nil {
		t.Fatal(err)
	}
	var got error
	x.SetErrorResponder(func(w http.ResponseWriter, _ *http.Request, err error) {
		got = err
		w.WriteHeader(http.StatusBadGateway)
	})
	m.Get(r).Data().Set("a", 2)
	rec := httptest.NewRecorder()
	rec.Header().Set("Location", "/next")
	st.Fail(sessiontest.Save, sessiontest.ErrInjected)
	if err := x.Respond(rec, http.StatusSeeOther); !errors.Is(err, sessiontest.ErrInjected) {
		t.Errorf("Respond: %v, want the store's error", err)
	}
	if !errors.Is(got, sessiontest.ErrInjected) || handlerCalled {
		t.Errorf("responder got %v, manager's handler called %v; want the responder alone", got, handlerCalled)
	}
	res := rec.Result()
	if res.StatusCode != http.StatusBadGateway || res.Header.Get("Location") != "" ||
		res.Header.Get("Cache-Control") != "no-store" || !varies(res, "Cookie") {
		t.Errorf("status %d, header %v; want the responder's 502, no Location, no-store, Vary: Cookie", res.StatusCode, res.Header)
	}
}
