package session_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// Flash messages and form tokens merge on a conflict as the data does:
// each request's additions are kept, what a request consumed stays
// consumed, and what it did not touch is kept from the newer record.
func TestMergeFlashesAndFormTokens(t *testing.T) {
	m := newMgr(t, sessiontest.NewStore(), nil)
	var tokA, tokB string
	_, tok := run(m, "", func(s *session.Session[session.Map]) {
		s.AddFlash("old-1")
		s.AddFlash("old-2")
		tokA, _ = s.NewFormToken()
		tokB, _ = s.NewFormToken()
	})
	var tokX, tokY string
	interleave(t, m, tok, func(s *session.Session[session.Map]) {
		if got := s.Flashes(); fmt.Sprint(got) != "[old-1 old-2]" {
			t.Errorf("flashes %q", got)
		}
		if !s.CheckFormToken(tokB) {
			t.Error("token B refused")
		}
		tokX, _ = s.NewFormToken()
		s.AddFlash("from-x")
	}, func(s *session.Session[session.Map]) {
		if !s.CheckFormToken(tokA) {
			t.Error("token A refused")
		}
		tokY, _ = s.NewFormToken()
		s.AddFlash("from-y")
	})
	var flashes []string
	var count int
	checked := map[string]bool{}
	run(m, tok, func(s *session.Session[session.Map]) {
		flashes, count = s.Flashes(), s.FormTokenCount()
		for name, ft := range map[string]string{"A": tokA, "B": tokB, "X": tokX, "Y": tokY} {
			checked[name] = s.CheckFormToken(ft)
		}
	})
	if fmt.Sprint(flashes) != "[from-y from-x]" {
		t.Errorf("flashes after the merge = %q, want the taken ones gone and both requests' new ones", flashes)
	}
	if count != 2 {
		t.Errorf("%d form tokens after the merge, want 2 (X, Y)", count)
	}
	for name, want := range map[string]bool{"A": false, "B": false, "X": true, "Y": true} {
		if checked[name] != want {
			t.Errorf("form token %s accepted %v after the merge, want %v (each request's new one kept, each consumed one gone)", name, checked[name], want)
		}
	}
}

// A conflict whose reload fails fails the request: the error handler
// answers, the store error is reported, and the other request's record
// stands.
func TestMergeReloadFails(t *testing.T) {
	st := newWrapped()
	ev := &evlog{}
	m := newMgr(t, st, ev)
	_, tok := run(m, "", func(s *session.Session[session.Map]) { s.Data().Set("a", "0") })
	x, _, err := m.Begin(reqWith("/", tok))
	if err != nil {
		t.Fatal(err)
	}
	x.Session().Data().Set("a", "x")
	run(m, tok, func(s *session.Session[session.Map]) { s.Data().Set("a", "y") })
	st.Fail(sessiontest.Load, sessiontest.ErrInjected)
	ev.reset()
	err = x.Commit(http.Header{}, http.StatusOK)
	st.Fail(sessiontest.Load, nil)
	if !errors.Is(err, sessiontest.ErrInjected) {
		t.Errorf("commit whose reload failed: %v, want the store's error", err)
	}
	if ev.count(session.EventStoreError) != 1 {
		t.Errorf("events %v, want a store error", ev.kinds())
	}
	if v, _ := load(t, m, tok).Data().GetString("a"); v != "y" {
		t.Errorf("a = %q, want the other request's y", v)
	}
}

// A newer record that this deployment cannot decode (written by another
// version of the app, with another T) is overwritten whole by this
// request's state, and the overwrite is reported.
func TestMergeOntoUndecodableRecord(t *testing.T) {
	st := newWrapped()
	ev := &evlog{}
	m := newMgr(t, st, ev)
	_, tok := run(m, "", func(s *session.Session[session.Map]) { s.Data().Set("a", "0") })
	x, _, err := m.Begin(reqWith("/", tok))
	if err != nil {
		t.Fatal(err)
	}
	x.Session().Data().Set("b", "x")
	// Another deployment rewrites the record in a format this one does not read.
	ctx := context.Background()
	rec, err := st.Load(ctx, keyOf(tok))
	if err != nil {
		t.Fatal(err)
	}
	rec.Data = []byte("\x7fnot an envelope")
	if err := st.Save(ctx, keyOf(tok), rec); err != nil {
		t.Fatal(err)
	}
	ev.reset()
	if err := x.Commit(http.Header{}, http.StatusOK); err != nil {
		t.Fatal(err)
	}
	d := load(t, m, tok).Data()
	a, _ := d.GetString("a")
	b, _ := d.GetString("b")
	if a != "0" || b != "x" {
		t.Errorf("a=%q b=%q, want this request's whole state (0, x)", a, b)
	}
	if ev.count(session.EventMerged) != 1 || ev.count(session.EventOverwritten) != 1 {
		t.Errorf("events %v, want a merge and an overwrite", ev.kinds())
	}
}

// A struct session merges its exported fields; unexported ones are not
// saved and take no part. When both requests changed the same field, the
// later commit's value wins and the overwrite is reported.
func TestStructMergeSameField(t *testing.T) {
	type profile struct {
		Name, Theme string
		cache       int // not saved: the merge skips it
	}
	ev := &evlog{}
	m, err := session.New[profile](sessiontest.NewStore(), session.WithEventHook(ev.hook))
	if err != nil {
		t.Fatal(err)
	}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*m.Get(r).Data() = profile{Name: "ann", Theme: "light"}
	}))
	_, tok := do(h, "/", "")
	ev.reset()
	interleave(t, m, tok, func(s *session.Session[profile]) {
		s.Data().Theme = "dark"
		s.Data().cache = 1
	}, func(s *session.Session[profile]) {
		s.Data().Theme = "blue"
		s.Data().Name = "bob"
	})
	got := *load(t, m, tok).Data()
	if got.Name != "bob" || got.Theme != "dark" {
		t.Errorf("merged %+v, want Name bob (the other request's) and Theme dark (the later commit's)", got)
	}
	if ev.count(session.EventOverwritten) != 1 {
		t.Errorf("events %v, want one overwrite", ev.kinds())
	}
}
