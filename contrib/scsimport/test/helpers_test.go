package test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/session2/session2/core/session"
)

// suffix returns a random suffix for the names of one test's tables and keys.
func suffix(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// env returns the variable's value or skips the test, naming it.
func env(t *testing.T, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Skipf("%s is not set", name)
	}
	return v
}

// scsApp is a small application on scs: /login puts a user ID and values
// in the session, /whoami reads them. It is what an application looks
// like before the switch.
func scsApp(sm *scs.SessionManager) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		if err := sm.RenewToken(r.Context()); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		id, _ := strconv.Atoi(r.FormValue("id"))
		sm.Put(r.Context(), "userID", id)
		sm.Put(r.Context(), "cart", r.FormValue("cart"))
		sm.Put(r.Context(), "visits", 3)
		sm.Put(r.Context(), "since", time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))
	})
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strconv.Itoa(sm.GetInt(r.Context(), "userID"))+"|"+sm.GetString(r.Context(), "cart"))
	})
	return sm.LoadAndSave(mux)
}

// scsLogin logs a user in through the scs application and returns its
// session cookie.
func scsLogin(t *testing.T, h http.Handler, id int, cart string) *http.Cookie {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/login?id="+strconv.Itoa(id)+"&cart="+cart, nil))
	for _, c := range rec.Result().Cookies() {
		if c.Name == "session" {
			return c
		}
	}
	t.Fatalf("the scs app set no cookie: %v", rec.Result().Header)
	return nil
}

// newApp is the application after the switch: session2 with the
// importer. It answers user|cart|visits|since.
func newApp(t *testing.T, store session.Store, imp session.Importer, events *[]session.Event) (*session.Manager[session.Map], http.Handler) {
	t.Helper()
	m, err := session.New[session.Map](store,
		session.WithImporter(imp, session.CopyValues),
		session.WithEventHook(func(e session.Event) { *events = append(*events, e) }),
		session.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	return m, m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := m.Get(r)
		cart, _ := s.Data().GetString("cart")
		visits, _ := s.Data().GetInt("visits")
		since, _ := s.Data().Get("since")
		io.WriteString(w, s.User()+"|"+cart+"|"+strconv.Itoa(visits)+"|"+toString(since))
	}))
}

func toString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case time.Time:
		return v.UTC().Format(time.RFC3339)
	case nil:
		return ""
	}
	return "?"
}

// get sends a request with the given cookies.
func get(h http.Handler, path string, cookies ...*http.Cookie) (string, *http.Response) {
	req := httptest.NewRequest("GET", path, nil)
	for _, c := range cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Body.String(), rec.Result()
}

// switchOver checks the switch for one user: the session2 app, given the
// scs cookie, serves the user logged in with their values, replaces the
// cookie with a fresh token, and the new cookie alone then works.
func switchOver(t *testing.T, h http.Handler, old *http.Cookie, want string, events *[]session.Event) *http.Cookie {
	t.Helper()
	got, res := get(h, "/", old)
	if got != want {
		t.Fatalf("after the switch the user's request saw %q, want %q", got, want)
	}
	var ours *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "session" {
			ours = c
		}
	}
	if ours == nil || ours.MaxAge < 0 || ours.Value == old.Value {
		t.Fatalf("the scs cookie was not replaced by a fresh one: %v", res.Header["Set-Cookie"])
	}
	imported := false
	for _, e := range *events {
		imported = imported || e.Kind == session.EventImported
	}
	if !imported {
		t.Fatalf("no imported event in %v", *events)
	}
	if got, _ := get(h, "/", ours); got != want {
		t.Fatalf("with the new cookie the user's request saw %q, want %q", got, want)
	}
	return ours
}

const since = "2024-05-01T12:00:00Z"

// ctx returns a context for the tests' own database calls.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// rowCount counts the rows of an scs table with the token.
func rowCount(t *testing.T, db *sql.DB, query, token string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(ctx(t), query, token).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func yesterday() time.Time { return time.Now().Add(-24 * time.Hour) }
func tomorrow() time.Time  { return time.Now().Add(24 * time.Hour) }
