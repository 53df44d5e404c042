package session_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// oldLib stands for another library's store: sessions by the value of
// its cookie.
type oldLib struct {
	name string
	keep bool

	mu      sync.Mutex
	recs    map[string]map[string]any
	calls   atomic.Int32
	fail    error // Import's error
	panics  bool  // Import panics
	blocks  bool  // Import waits for its context to end
	deleted []string
}

func newOldLib(name string) *oldLib { return &oldLib{name: name, recs: map[string]map[string]any{}} }

func (o *oldLib) Cookie() http.Cookie { return http.Cookie{Name: o.name, Path: "/"} }

func (o *oldLib) Import(ctx context.Context, r *http.Request) (*session.Imported, error) {
	o.calls.Add(1)
	switch {
	case o.panics:
		panic("garbage")
	case o.fail != nil:
		return nil, o.fail
	case o.blocks:
		<-ctx.Done()
		return nil, ctx.Err()
	}
	c, err := r.Cookie(o.name)
	if err != nil {
		return nil, nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	vals, ok := o.recs[c.Value]
	if !ok {
		return nil, nil
	}
	user, _ := vals["uid"].(string)
	tok := c.Value
	return &session.Imported{User: user, Values: vals, Keep: o.keep, Delete: func(context.Context) error {
		o.mu.Lock()
		defer o.mu.Unlock()
		delete(o.recs, tok)
		o.deleted = append(o.deleted, tok)
		return nil
	}}, nil
}

func (o *oldLib) has(tok string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	_, ok := o.recs[tok]
	return ok
}

// loadCounter counts Loads.
type loadCounter struct {
	*sessiontest.Store
	loads atomic.Int32
}

func (s *loadCounter) Load(ctx context.Context, key string) (session.Record, error) {
	s.loads.Add(1)
	return s.Store.Load(ctx, key)
}

type importApp struct {
	m      *session.Manager[session.Map]
	h      http.Handler
	store  *loadCounter
	events chan session.Event
}

func newImportApp(t *testing.T, old *oldLib, opts ...session.Option) *importApp {
	t.Helper()
	a := &importApp{store: &loadCounter{Store: sessiontest.NewStore()}, events: make(chan session.Event, 100)}
	opts = append([]session.Option{
		session.WithImporter(old, session.CopyValues),
		session.WithEventHook(func(e session.Event) { a.events <- e }),
		session.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
	}, opts...)
	m, err := session.New[session.Map](a.store, opts...)
	if err != nil {
		t.Fatal(err)
	}
	a.m = m
	a.h = m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := m.Get(r)
		switch r.URL.Path {
		case "/logout":
			s.Destroy()
		case "/fail":
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		cart, _ := s.Data().GetString("cart")
		io.WriteString(w, s.User()+"|"+cart)
	}))
	return a
}

// serve sends a request with the given Cookie header.
func (a *importApp) serve(path, cookie string) (string, *http.Response) {
	return serveCookie(a.h, path, cookie)
}

// serveCookie sends h a GET of path with the given Cookie header (none
// when empty) and returns the body and the response.
func serveCookie(h http.Handler, path, cookie string) (string, *http.Response) {
	req := httptest.NewRequest("GET", path, nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Body.String(), rec.Result()
}

func (a *importApp) kinds() []session.EventKind {
	var ks []session.EventKind
	for {
		select {
		case e := <-a.events:
			ks = append(ks, e.Kind)
		default:
			return ks
		}
	}
}

func cookieNamed(res *http.Response, name string) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

const oldTok = "old-token-of-alice"

func TestImportLogsTheUserIn(t *testing.T) {
	old := newOldLib("legacy")
	old.recs[oldTok] = map[string]any{"uid": "alice", "cart": "3 apples"}
	a := newImportApp(t, old)

	got, res := a.serve("/", "legacy="+oldTok)
	if got != "alice|3 apples" {
		t.Fatalf("imported request saw %q, want alice|3 apples", got)
	}
	ours := cookieNamed(res, "session")
	if ours == nil || ours.Value == "" || ours.Value == oldTok {
		t.Fatalf("no fresh session cookie: %v", res.Header["Set-Cookie"])
	}
	if gone := cookieNamed(res, "legacy"); gone == nil || gone.MaxAge >= 0 || gone.Path != "/" {
		t.Fatalf("old cookie not deleted: %v", res.Header["Set-Cookie"])
	}
	if old.has(oldTok) {
		t.Fatal("old record not deleted")
	}
	if ks := a.kinds(); !contains(ks, session.EventImported) {
		t.Fatalf("events %v lack imported", ks)
	}

	// The next request carries the new cookie only: the importer is not
	// asked, and the session is the imported one.
	calls := old.calls.Load()
	if got, _ := a.serve("/", "session="+ours.Value); got != "alice|3 apples" {
		t.Fatalf("next request saw %q", got)
	}
	if old.calls.Load() != calls {
		t.Fatal("importer asked again for a request with our cookie")
	}
}

func TestImportSameCookieName(t *testing.T) {
	// scs names its cookie "session" too, and its tokens have our shape:
	// the token loads nothing here, and the importer finds it.
	const scsTok = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	old := newOldLib("session")
	old.recs[scsTok] = map[string]any{"uid": "bob"}
	a := newImportApp(t, old)
	got, res := a.serve("/", "session="+scsTok)
	if got != "bob|" {
		t.Fatalf("got %q", got)
	}
	cks := res.Cookies()
	if len(cks) != 1 || cks[0].Name != "session" || cks[0].Value == scsTok || cks[0].Value == "" {
		t.Fatalf("want one fresh session cookie overwriting the old, got %v", res.Header["Set-Cookie"])
	}
	if a.store.loads.Load() != 1 {
		t.Fatalf("%d loads, want 1", a.store.loads.Load())
	}
}

func TestImportCostsNothingWithoutOldCookie(t *testing.T) {
	old := newOldLib("legacy")
	a := newImportApp(t, old)
	if _, res := a.serve("/", "other=1"); len(res.Cookies()) != 0 {
		t.Fatalf("cookies set: %v", res.Header["Set-Cookie"])
	}
	if a.store.loads.Load() != 0 || old.calls.Load() != 0 {
		t.Fatalf("store loads %d, importer calls %d: want none", a.store.loads.Load(), old.calls.Load())
	}
}

func TestImportUsersStayApart(t *testing.T) {
	old := newOldLib("legacy")
	old.recs["tok-a"] = map[string]any{"uid": "alice", "cart": "a"}
	old.recs["tok-b"] = map[string]any{"uid": "bob", "cart": "b"}
	a := newImportApp(t, old)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		tok, want := "tok-a", "alice|a"
		if i%2 == 1 {
			tok, want = "tok-b", "bob|b"
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got, _ := a.serve("/", "legacy="+tok); got != want && got != "|" {
				t.Errorf("cookie %s got %q, want %q (or a fresh session once the record is gone)", tok, got, want)
			}
		}()
	}
	wg.Wait()
	if got, _ := a.serve("/", "legacy=nobody"); got != "|" {
		t.Fatalf("unknown old token got %q", got)
	}
}

func TestImportKeepLeavesTheOldRecordButLogoutDeletesIt(t *testing.T) {
	old := newOldLib("legacy")
	old.keep = true
	old.recs[oldTok] = map[string]any{"uid": "alice"}
	a := newImportApp(t, old)
	if got, res := a.serve("/", "legacy="+oldTok); got != "alice|" || cookieNamed(res, "legacy") == nil {
		t.Fatalf("got %q, cookies %v", got, res.Header["Set-Cookie"])
	}
	if !old.has(oldTok) {
		t.Fatal("kept record deleted")
	}
	if got, _ := a.serve("/logout", "legacy="+oldTok); got != "|" {
		t.Fatalf("logout got %q", got)
	}
	if old.has(oldTok) {
		t.Fatal("a logout left the kept old record")
	}
}

func TestImportFailedRequestChangesNothing(t *testing.T) {
	old := newOldLib("legacy")
	old.recs[oldTok] = map[string]any{"uid": "alice"}
	a := newImportApp(t, old)
	if _, res := a.serve("/fail", "legacy="+oldTok); len(res.Cookies()) != 0 {
		t.Fatalf("a 500 set cookies: %v", res.Header["Set-Cookie"])
	}
	if !old.has(oldTok) {
		t.Fatal("a 500 deleted the old record")
	}
	if got, _ := a.serve("/", "legacy="+oldTok); got != "alice|" {
		t.Fatalf("retry got %q", got)
	}
}

func TestImportFailureGivesAFreshSession(t *testing.T) {
	cases := map[string]func(o *oldLib){
		"error":   func(o *oldLib) { o.fail = errors.New("old store down") },
		"panic":   func(o *oldLib) { o.panics = true },
		"timeout": func(o *oldLib) { o.blocks = true },
	}
	for name, set := range cases {
		t.Run(name, func(t *testing.T) {
			old := newOldLib("legacy")
			old.recs[oldTok] = map[string]any{"uid": "alice"}
			set(old)
			a := newImportApp(t, old, session.WithLoadTimeout(50e6))
			got, res := a.serve("/", "legacy="+oldTok)
			if got != "|" || res.StatusCode != 200 || len(res.Cookies()) != 0 {
				t.Fatalf("got %d %q %v, want a fresh anonymous session", res.StatusCode, got, res.Header["Set-Cookie"])
			}
			if ks := a.kinds(); !contains(ks, session.EventImportFailed) {
				t.Fatalf("events %v lack import-failed", ks)
			}
		})
	}
}

func TestImportConversionFailure(t *testing.T) {
	type App struct{ UID string }
	old := newOldLib("legacy")
	old.recs[oldTok] = map[string]any{"uid": "alice", "n": 1}
	var events []session.EventKind
	m, err := session.New[App](sessiontest.NewStore(),
		session.WithImporter(old, func(o *session.Imported, s *session.Session[App]) error {
			s.Data().UID = o.Values["uid"].(string)
			_ = o.Values["n"].(string) // garbage: panics
			return nil
		}),
		session.WithEventHook(func(e session.Event) { events = append(events, e.Kind) }),
		session.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := m.Get(r)
		io.WriteString(w, s.User()+"|"+s.Data().UID)
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Cookie", "legacy="+oldTok)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Body.String() != "|" || len(rec.Result().Cookies()) != 0 {
		t.Fatalf("got %q %v, want a fresh session", rec.Body.String(), rec.Result().Cookies())
	}
	if !contains(events, session.EventImportFailed) {
		t.Fatalf("events %v lack import-failed", events)
	}
}

func TestImportTooLarge(t *testing.T) {
	old := newOldLib("legacy")
	old.recs[oldTok] = map[string]any{"uid": "alice", "blob": strings.Repeat("x", 2000)}
	a := newImportApp(t, old, session.WithMaxSize(1000))
	if got, res := a.serve("/", "legacy="+oldTok); got != "|" || res.StatusCode != 200 {
		t.Fatalf("got %d %q", res.StatusCode, got)
	}
	if ks := a.kinds(); !contains(ks, session.EventImportFailed) {
		t.Fatalf("events %v lack import-failed", ks)
	}
}

func TestImporterMisconfigured(t *testing.T) {
	type App struct{ UID string }
	old := newOldLib("legacy")
	_, err := session.New[App](sessiontest.NewStore(), session.WithImporter(old, session.CopyValues))
	if err == nil || !errors.Is(err, session.ErrInvalidConfig) ||
		!strings.Contains(err.Error(), "session.Map") || !strings.Contains(err.Error(), "session_test.App") {
		t.Fatalf("type mismatch: %v, want an error naming both types", err)
	}
	_, err = session.New[session.Map](sessiontest.NewStore(), session.WithImporter[session.Map](old, nil))
	if err == nil || !strings.Contains(err.Error(), "CopyValues") {
		t.Fatalf("nil conversion: %v", err)
	}
	_, err = session.New[session.Map](sessiontest.NewStore(), session.WithImporter(nil, session.CopyValues))
	if err == nil || !strings.Contains(err.Error(), "importer is nil") {
		t.Fatalf("nil importer: %v", err)
	}
	_, err = session.New[session.Map](sessiontest.NewStore(), session.WithImporter(old, session.CopyValues), session.WithHeaderToken("Authorization"))
	if err == nil || !strings.Contains(err.Error(), "WithHeaderToken") {
		t.Fatalf("header-token mode: %v", err)
	}
	_, err = session.New[session.Map](sessiontest.NewStore(), session.WithImporter(newOldLib("bad name"), session.CopyValues))
	if err == nil || !strings.Contains(err.Error(), "bad name") {
		t.Fatalf("bad cookie name: %v", err)
	}
}

func contains(ks []session.EventKind, k session.EventKind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

func TestImportedUser(t *testing.T) {
	for v, want := range map[any]string{"u1": "u1", 42: "42", int64(-3): "-3", int32(5): "5", uint(6): "6", uint32(7): "7", uint64(8): "8", nil: ""} {
		if got, err := session.ImportedUser(v); err != nil || got != want {
			t.Errorf("ImportedUser(%#v) = %q, %v; want %q", v, got, err, want)
		}
	}
	if _, err := session.ImportedUser(3.5); err == nil || !strings.Contains(err.Error(), "float64") {
		t.Errorf("a float user: %v", err)
	}
}
