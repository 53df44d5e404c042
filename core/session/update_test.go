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

// interleave runs two requests on the session of tok that both load it
// before either commits: later's handler, then sooner's, then sooner
// commits and later commits on top of it (a conflict, then a merge). It
// returns the header of later's response.
func interleave[T any](t *testing.T, m *session.Manager[T], tok string, later, sooner func(s *session.Session[T])) http.Header {
	t.Helper()
	x, _, err := m.Begin(reqWith("/", tok))
	if err != nil {
		t.Fatal(err)
	}
	y, _, err := m.Begin(reqWith("/", tok))
	if err != nil {
		t.Fatal(err)
	}
	later(x.Session())
	sooner(y.Session())
	if err := y.Commit(http.Header{}, http.StatusOK); err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	if err := x.Commit(h, http.StatusOK); err != nil {
		t.Fatal(err)
	}
	return h
}

// load returns the session of tok as the next request sees it.
func load[T any](t *testing.T, m *session.Manager[T], tok string) *session.Session[T] {
	t.Helper()
	x, _, err := m.Begin(reqWith("/", tok))
	if err != nil {
		t.Fatal(err)
	}
	x.Abort()
	return x.Session()
}

// A request whose commit conflicts replays its Update functions on the
// newer record, between its direct changes as they were made: an
// increment made through Update counts on top of the other request's, and
// the direct changes before and after it are merged per key.
func TestUpdateReplayedOnConflict(t *testing.T) {
	ev := &evlog{}
	m := newMgr(t, sessiontest.NewStore(), ev)
	_, tok := run(m, "", func(s *session.Session[session.Map]) { s.Data().Set("n", 1) })
	ev.reset()
	h := interleave(t, m, tok, func(s *session.Session[session.Map]) {
		s.Data().Set("before", "x")
		s.Update(func(d *session.Map) {
			n, _ := d.GetInt("n")
			d.Set("n", n*10) // not commutative with the other request's +1
		})
		s.Data().Set("after", "x")
	}, func(s *session.Session[session.Map]) {
		s.Update(func(d *session.Map) {
			n, _ := d.GetInt("n")
			d.Set("n", n+1)
		})
		s.Data().Set("other", "y")
	})
	if c := cookieOf(h); c == "-" {
		t.Fatalf("the merged session was revoked")
	}
	d := load(t, m, tok).Data()
	if n, _ := d.GetInt("n"); n != 20 {
		t.Errorf("n = %d after (1+1)*10, want 20: the later request's Update was not replayed on the newer record", n)
	}
	for k, want := range map[string]string{"before": "x", "after": "x", "other": "y"} {
		if v, _ := d.GetString(k); v != want {
			t.Errorf("%s = %q, want %q", k, v, want)
		}
	}
	if ev.count(session.EventMerged) != 1 || ev.count(session.EventOverwritten) != 0 {
		t.Errorf("events %v, want one merge and no overwrite", ev.kinds())
	}
}

// The same for a struct session: the replayed Update appends to the slice
// the other request grew, and a field changed directly beside it is kept.
func TestUpdateReplayedOnConflictStruct(t *testing.T) {
	type cart struct {
		Items []string
		Note  string
		Seen  int
	}
	m, err := session.New[cart](sessiontest.NewStore())
	if err != nil {
		t.Fatal(err)
	}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.Get(r).Data().Items = []string{"a"}
	}))
	_, tok := do(h, "/", "")
	interleave(t, m, tok, func(s *session.Session[cart]) {
		s.Update(func(c *cart) { c.Items = append(c.Items, "later") })
		s.Data().Note = "later"
	}, func(s *session.Session[cart]) {
		s.Update(func(c *cart) { c.Items = append(c.Items, "sooner") })
		s.Data().Seen = 7
	})
	got := load(t, m, tok).Data()
	if want := []string{"a", "sooner", "later"}; fmt.Sprint(got.Items) != fmt.Sprint(want) {
		t.Errorf("Items = %q, want %q: the later request's Update was not replayed on the newer record", got.Items, want)
	}
	if got.Note != "later" || got.Seen != 7 {
		t.Errorf("Note %q, Seen %d; want later and 7", got.Note, got.Seen)
	}
}
