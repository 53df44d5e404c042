package session_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// copyApp is an application after an offline import: its own store holds
// the copies, and the old store is gone.
type copyApp struct {
	store  *sessiontest.Store
	copies *session.CopyImporter
	clock  *sessiontest.Clock
	m      *session.Manager[session.Map]
	h      http.Handler
	events []session.EventKind
}

func newCopyApp(t *testing.T, opts ...session.CopyOption) *copyApp {
	t.Helper()
	a := &copyApp{store: sessiontest.NewStore(), clock: sessiontest.NewClock(time.Now())}
	copies, err := session.ImportCopies(a.store, http.Cookie{Name: "legacy"},
		append([]session.CopyOption{session.CopyClock(a.clock.Now)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	a.copies = copies
	m, err := session.New[session.Map](a.store,
		session.WithImporter(copies, session.CopyValues),
		session.WithEventHook(func(e session.Event) { a.events = append(a.events, e.Kind) }),
		session.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	a.m = m
	a.h = m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := m.Get(r)
		if r.URL.Path == "/fail" {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		cart, _ := s.Data().GetString("cart")
		n, _ := s.Data().GetInt("n")
		io.WriteString(w, s.User()+"|"+cart+"|"+strconv.Itoa(n))
	}))
	return a
}

func (a *copyApp) serve(path, cookie string) (string, *http.Response) {
	return serveCookie(a.h, path, cookie)
}

// put writes a copy of an old session of user with the given values,
// ending in an hour.
func (a *copyApp) put(t *testing.T, oldKey, user string, values map[string]any) {
	t.Helper()
	ok, err := a.copies.Put(context.Background(), oldKey, &session.Imported{User: user, Values: values, Expires: a.clock.Now().Add(time.Hour)})
	if err != nil || !ok {
		t.Fatalf("Put: %v, %v", ok, err)
	}
}

const copyTok = "scs-token-of-alice-AAAAAAAAAAAAAAAAAAAAAAAA"

func TestImportCopyLogsTheUserIn(t *testing.T) {
	a := newCopyApp(t)
	since := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	a.put(t, copyTok, "alice", map[string]any{"cart": "apples", "n": 3, "since": since})
	a.put(t, "token-of-bob", "bob", map[string]any{"cart": "pears"})

	got, res := a.serve("/", "legacy="+copyTok)
	if got != "alice|apples|3" {
		t.Fatalf("the old cookie got %q, want alice|apples|3", got)
	}
	ours := cookieNamed(res, "session")
	if ours == nil || ours.Value == "" || ours.Value == copyTok {
		t.Fatalf("no fresh session cookie: %v", res.Header["Set-Cookie"])
	}
	if gone := cookieNamed(res, "legacy"); gone == nil || gone.MaxAge >= 0 {
		t.Fatalf("the old cookie was not deleted: %v", res.Header["Set-Cookie"])
	}
	if !contains(a.events, session.EventImported) {
		t.Fatalf("events %v lack imported", a.events)
	}
	if got, _ := a.serve("/", "session="+ours.Value); got != "alice|apples|3" {
		t.Fatalf("the new cookie got %q", got)
	}
	// Bob's copy is his alone, and still there.
	if got, _ := a.serve("/", "legacy=token-of-bob"); got != "bob|pears|0" {
		t.Fatalf("bob got %q", got)
	}
}

func TestImportCopyKeepsGobTypes(t *testing.T) {
	a := newCopyApp(t)
	since := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	a.put(t, copyTok, "alice", map[string]any{"n": 3, "since": since, "tags": []string{"a", "b"}})
	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(&http.Cookie{Name: "legacy", Value: copyTok})
	imp, err := a.copies.Import(context.Background(), req)
	if err != nil || imp == nil {
		t.Fatalf("Import: %v, %v", imp, err)
	}
	if imp.User != "alice" || imp.Values["n"] != 3 || imp.Values["since"] != since || !imp.Expires.Equal(a.clock.Now().Add(time.Hour)) {
		t.Fatalf("imported %+v", imp)
	}
	if tags, ok := imp.Values["tags"].([]string); !ok || len(tags) != 2 || tags[1] != "b" {
		t.Fatalf("tags %#v", imp.Values["tags"])
	}
}

func TestImportCopyUnknownTokenIsFresh(t *testing.T) {
	a := newCopyApp(t)
	a.put(t, copyTok, "alice", map[string]any{"cart": "apples"})
	for _, c := range []string{"legacy=someone-else", "legacy=" + copyTok + "x", "legacy=", "other=" + copyTok} {
		if got, res := a.serve("/", c); got != "||0" || cookieNamed(res, "session") != nil {
			t.Fatalf("cookie %q got %q, cookies %v: want a fresh session", c, got, res.Header["Set-Cookie"])
		}
	}
	if got, _ := a.serve("/", "legacy="+copyTok); got != "alice|apples|0" {
		t.Fatalf("the copy was harmed by the misses: %q", got)
	}
}

func TestImportCopyServesOnce(t *testing.T) {
	a := newCopyApp(t)
	a.put(t, copyTok, "alice", map[string]any{"cart": "apples"})
	// A failed request keeps the copy.
	if _, res := a.serve("/fail", "legacy="+copyTok); res.StatusCode != 500 {
		t.Fatalf("status %d", res.StatusCode)
	}
	if got, _ := a.serve("/", "legacy="+copyTok); got != "alice|apples|0" {
		t.Fatalf("after a failed request the copy gave %q", got)
	}
	if a.store.Len() != 1 {
		t.Fatalf("%d records, want the new session's alone", a.store.Len())
	}
	if got, res := a.serve("/", "legacy="+copyTok); got != "||0" || cookieNamed(res, "session") != nil {
		t.Fatalf("the replayed old cookie got %q: want a fresh session", got)
	}
}

func TestImportCopyExpired(t *testing.T) {
	a := newCopyApp(t)
	a.put(t, copyTok, "alice", map[string]any{"cart": "apples"})
	a.clock.Advance(time.Hour)
	if got, _ := a.serve("/", "legacy="+copyTok); got != "||0" {
		t.Fatalf("an ended copy got %q: want a fresh session", got)
	}
	// Put does not store a session that has ended.
	ok, err := a.copies.Put(context.Background(), "late", &session.Imported{User: "bob", Expires: a.clock.Now()})
	if ok || err != nil {
		t.Fatalf("Put of an ended session: %v, %v", ok, err)
	}
	if _, err := a.copies.Put(context.Background(), "forever", &session.Imported{User: "bob"}); err == nil {
		t.Fatal("Put of a session without an end succeeded")
	}
}

func TestImportCopyPutIsIdempotent(t *testing.T) {
	a := newCopyApp(t)
	a.put(t, copyTok, "alice", map[string]any{"cart": "apples"})
	a.put(t, copyTok, "alice", map[string]any{"cart": "apples"})
	if a.store.Len() != 1 {
		t.Fatalf("%d records after two imports, want 1", a.store.Len())
	}
	// A second import picks up what changed in the old session.
	a.put(t, copyTok, "alice", map[string]any{"cart": "apples and pears"})
	if a.store.Len() != 1 {
		t.Fatalf("%d records, want 1", a.store.Len())
	}
	if got, _ := a.serve("/", "legacy="+copyTok); got != "alice|apples and pears|0" {
		t.Fatalf("got %q, want the newer copy", got)
	}
}

func TestImportCopyNeverStoresTheToken(t *testing.T) {
	a := newCopyApp(t)
	a.put(t, copyTok, "alice", map[string]any{"cart": "apples"})
	n := 0
	for e, err := range a.store.List(context.Background(), session.Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if !session.IsKey(e.Key) || bytes.Contains([]byte(e.Key), []byte(copyTok)) || bytes.Contains(e.Record.Data, []byte(copyTok)) {
			t.Fatalf("the old token is in the store: %q", e.Key)
		}
		if !session.IsImportCopy(e.Record) || session.IsRevocationRecord(e.Record) || e.Record.User != "alice" {
			t.Fatalf("record %+v", e.Record)
		}
	}
	if n != 1 {
		t.Fatalf("%d records", n)
	}
}

func TestImportCopyLogoutUser(t *testing.T) {
	a := newCopyApp(t)
	a.put(t, copyTok, "alice", map[string]any{"cart": "apples"})
	if n, err := a.m.LogoutUser(context.Background(), "alice"); err != nil || n != 1 {
		t.Fatalf("LogoutUser: %d, %v", n, err)
	}
	if got, _ := a.serve("/", "legacy="+copyTok); got != "||0" {
		t.Fatalf("after logging alice out everywhere her old cookie got %q", got)
	}
}

func TestImportCopyKeyFunc(t *testing.T) {
	// The old store kept sessions under a hash of the token: the import
	// saw the hashes only.
	hash := func(tok string) string { return "h:" + tok }
	a := newCopyApp(t, session.CopyKeyFunc(hash))
	a.put(t, hash(copyTok), "alice", map[string]any{"cart": "apples"})
	if got, _ := a.serve("/", "legacy="+copyTok); got != "alice|apples|0" {
		t.Fatalf("got %q", got)
	}
}

func TestImportCopyGarbage(t *testing.T) {
	a := newCopyApp(t)
	a.put(t, copyTok, "alice", map[string]any{"cart": "apples"})
	// Spoil the copy's data.
	for e, err := range a.store.List(context.Background(), session.Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		rec := e.Record
		rec.Data = append(rec.Data[:1:1], "not a gob"...)
		if err := a.store.Save(context.Background(), e.Key, rec); err != nil {
			t.Fatal(err)
		}
	}
	if got, res := a.serve("/", "legacy="+copyTok); got != "||0" || res.StatusCode != 200 {
		t.Fatalf("a spoilt copy got %d %q: want a fresh session", res.StatusCode, got)
	}
	if !contains(a.events, session.EventImportFailed) {
		t.Fatalf("events %v lack the failed import", a.events)
	}
}

func TestImportCopiesConfig(t *testing.T) {
	var nilStore *sessiontest.Store
	for name, f := range map[string]func() error{
		"nil store":      func() error { _, err := session.ImportCopies(nil, http.Cookie{Name: "s"}); return err },
		"nil pointer":    func() error { _, err := session.ImportCopies(nilStore, http.Cookie{Name: "s"}); return err },
		"no cookie name": func() error { _, err := session.ImportCopies(sessiontest.NewStore(), http.Cookie{}); return err },
		"bad cookie": func() error {
			_, err := session.ImportCopies(sessiontest.NewStore(), http.Cookie{Name: "a b"})
			return err
		},
		"nil key func": func() error {
			_, err := session.ImportCopies(sessiontest.NewStore(), http.Cookie{Name: "s"}, session.CopyKeyFunc(nil))
			return err
		},
	} {
		if f() == nil {
			t.Errorf("%s: no error", name)
		}
	}
	c, err := session.ImportCopies(sessiontest.NewStore(), http.Cookie{Name: "s", Domain: "example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if ck := c.Cookie(); ck.Name != "s" || ck.Path != "/" || ck.Domain != "example.com" {
		t.Fatalf("cookie %+v", ck)
	}
	for _, k := range []string{"", "a\x00b", string(make([]byte, 2000))} {
		if _, err := c.Put(context.Background(), k, &session.Imported{Expires: time.Now().Add(time.Hour)}); err == nil {
			t.Errorf("Put under %q succeeded", k)
		}
	}
	if _, err := c.Put(context.Background(), "k", nil); err == nil {
		t.Error("Put of nil succeeded")
	}
}
