package session_test

import (
	"context"
	"net/http"
	"reflect"
	"sync"
	"testing"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// A save that conflicts twice must not re-apply, on the second round, the
// other request's change from the first round as if it were its own, which
// would overwrite a third request's newer value with an older one.
func TestSecondMergeRoundKeepsOthersWrite(t *testing.T) {
	ms := sessiontest.NewStore()
	rt := routes{
		"/set": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			s.Data().Set(r.URL.Query().Get("k"), r.URL.Query().Get("v"))
		},
		"/get": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			v, _ := s.Data().GetString(r.URL.Query().Get("k"))
			w.Write([]byte(v))
		},
	}
	_, other := newAppOn(t, ms, rt) // the other process: plain store
	_, tok := do(other, "/set?k=a&v=0", "")

	// Before each of this manager's first two updates, another process
	// (another manager on the same store) updates a: to 1, then to 2, so
	// that both saves conflict.
	op := sessiontest.Wrap(ms)
	var mu sync.Mutex
	step := 0
	op.Before(sessiontest.Save, func(_ context.Context, _ string, rec session.Record, _ error) error {
		mu.Lock()
		step++
		n := step
		mu.Unlock()
		if rec.Version > 0 && n <= 2 {
			do(other, "/set?k=a&v="+map[int]string{1: "1", 2: "2"}[n], tok)
		}
		return nil
	})
	_, h := newAppOn(t, op, rt)
	do(h, "/set?k=b&v=mine", tok) // this request changes only b

	rec, _ := do(other, "/get?k=a", tok)
	if got := rec.Body.String(); got != "2" {
		t.Errorf("a = %q after the merge, want \"2\" (the last write of the other process; this request never touched a)", got)
	}
	rec, _ = do(other, "/get?k=b", tok)
	if rec.Body.String() != "mine" {
		t.Errorf("b lost")
	}
}

// A request that empties the session must not delete a key another request
// committed meanwhile.
func TestDropKeepsConcurrentWrite(t *testing.T) {
	loaded, release := make(chan struct{}), make(chan struct{})
	_, h := newApp(t, routes{
		"/set": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			s.Data().Set(r.URL.Query().Get("k"), "v")
		},
		"/get": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			v, _ := s.Data().GetString(r.URL.Query().Get("k"))
			w.Write([]byte(v))
		},
		"/slow-del": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			close(loaded)
			<-release
			s.Data().Delete("a") // "remove item a from the cart"
		},
	})
	_, tok := do(h, "/set?k=a", "")
	done := make(chan struct{})
	go func() { defer close(done); do(h, "/slow-del", tok) }()
	<-loaded
	do(h, "/set?k=b", tok)
	close(release)
	<-done
	rec, _ := do(h, "/get?k=b", tok)
	if rec.Body.String() != "v" {
		t.Errorf("key b, set by a concurrent request, was lost when another request deleted key a")
	}
}

// Two requests each delete a different key; the merged result is empty,
// so the session is deleted rather than stored empty.
func TestMergeToEmptyDeletes(t *testing.T) {
	st := sessiontest.NewStore()
	ev := &evlog{}
	m := newMgr(t, st, ev)
	_, tok := run(m, "", func(s *session.Session[session.Map]) { s.Data().Set("a", 1); s.Data().Set("b", 1) })
	x, _, err := m.Begin(reqWith("/", tok))
	if err != nil {
		t.Fatal(err)
	}
	y, _, err := m.Begin(reqWith("/", tok))
	if err != nil {
		t.Fatal(err)
	}
	x.Session().Data().Delete("b")
	y.Session().Data().Delete("a")
	hy := http.Header{}
	if err := y.Commit(hy, 200); err != nil {
		t.Fatal(err)
	}
	ev.reset()
	hx := http.Header{}
	if err := x.Commit(hx, 200); err != nil {
		t.Fatal(err)
	}
	if st.Len() != 0 || cookieOf(hx) != "-" {
		t.Errorf("merged session has no info: %d records stored, cookie %q; want none stored and the cookie revoked", st.Len(), cookieOf(hx))
	}
	if ev.count(session.EventMerged) != 1 || ev.count(session.EventDestroyed) != 1 {
		t.Errorf("events %v, want merged then destroyed", ev.kinds())
	}
}

// A session whose T is a map type merges per key, as session.Map does: two
// requests that change, add and delete different keys both persist; when
// both change the same key, the later commit wins and an overwrite is
// reported.
func TestMergeMapTypedData(t *testing.T) {
	type prefs map[string]string
	ev := &evlog{}
	m, err := session.New[prefs](sessiontest.NewStore(), session.WithEventHook(ev.hook))
	if err != nil {
		t.Fatal(err)
	}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*m.Get(r).Data() = prefs{"theme": "light", "lang": "en", "tz": "UTC", "font": "serif"}
	}))
	_, tok := do(h, "/", "")
	ev.reset()
	interleave(t, m, tok, func(s *session.Session[prefs]) {
		d := *s.Data()
		d["theme"] = "dark"
		delete(d, "tz")
		d["font"] = "sans"
	}, func(s *session.Session[prefs]) {
		d := *s.Data()
		d["lang"] = "fr"
		d["size"] = "12"
		d["font"] = "mono"
	})
	got := *load(t, m, tok).Data()
	want := prefs{"theme": "dark", "lang": "fr", "size": "12", "font": "sans"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("merged map-typed session = %v, want %v (each request's own keys kept, the later one's font)", got, want)
	}
	if ev.count(session.EventMerged) != 1 || ev.count(session.EventOverwritten) != 1 {
		t.Errorf("events %v, want one merge and one overwrite (font)", ev.kinds())
	}
}
