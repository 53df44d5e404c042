package session_test

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// Concurrent requests that all loaded the session before any committed
// each increment one counter through Session.Update, and change a key of
// their own directly: the increments are replayed onto the newer record
// instead of merged per key, so none is lost, and the direct changes are
// merged as usual.
func TestUpdateIncrementsCompose(t *testing.T) {
	const n = 12
	var loaded sync.WaitGroup
	loaded.Add(n)
	st := newWrapped()
	ev := &evlog{}
	m := newMgr(t, st, ev)
	mux := http.NewServeMux()
	mux.HandleFunc("/incr", func(w http.ResponseWriter, r *http.Request) {
		s := m.Get(r)
		loaded.Done()
		loaded.Wait() // every request has loaded the same version
		s.Data().Set("k"+r.URL.Query().Get("i"), true)
		s.Update(func(d *session.Map) {
			c, _ := d.GetInt("n")
			d.Set("n", c+1)
		})
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		v, _ := m.Get(r).Data().Get(r.URL.Query().Get("k"))
		fmt.Fprint(w, v)
	})
	h := m.Handler(mux)
	_, tok := run(m, "", func(s *session.Session[session.Map]) { s.Data().Set("n", 0) })
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); do(h, "/incr?i="+strconv.Itoa(i), tok) }()
	}
	wg.Wait()
	if rec, _ := do(h, "/get?k=n", tok); rec.Body.String() != strconv.Itoa(n) {
		t.Errorf("after %d concurrent increments through Update, n = %s", n, rec.Body.String())
	}
	for i := 0; i < n; i++ {
		if rec, _ := do(h, "/get?k=k"+strconv.Itoa(i), tok); rec.Body.String() != "true" {
			t.Errorf("key k%d, set directly beside the Update, was lost", i)
		}
	}
	if ev.count(session.EventMerged) == 0 {
		t.Error("no request conflicted: the test did not exercise the replay")
	}
	if k := ev.count(session.EventOverwritten); k != 0 {
		t.Errorf("%d overwrites reported; replayed increments overwrite nothing", k)
	}
}

// The same for a struct session, with the gob codec.
func TestUpdateReplaysOnStruct(t *testing.T) {
	type counters struct {
		Hits  int
		Notes []string
	}
	const n = 8
	var loaded sync.WaitGroup
	loaded.Add(n)
	m, err := session.New[counters](sessiontest.NewStore(), session.WithCodec(session.GobCodec{}))
	if err != nil {
		t.Fatal(err)
	}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := m.Get(r)
		if r.URL.Path == "/get" {
			fmt.Fprint(w, s.Data().Hits)
			return
		}
		if r.URL.Path == "/incr" {
			loaded.Done()
			loaded.Wait()
			s.Update(func(c *counters) { c.Hits++; c.Notes = append(c.Notes, "x") })
			return
		}
		s.Data().Hits = 0
		s.Data().Notes = []string{"start"}
	}))
	_, tok := do(h, "/start", "")
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); do(h, "/incr", tok) }()
	}
	wg.Wait()
	if rec, _ := do(h, "/get", tok); rec.Body.String() != strconv.Itoa(n) {
		t.Errorf("after %d concurrent increments through Update, Hits = %s", n, rec.Body.String())
	}
}
