package test

import (
	"encoding/gob"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
	"github.com/session2/session2/contrib/gorillaimport"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// Prefs is a value of the application's own type in the session.
type Prefs struct{ Theme string }

func init() { gob.Register(Prefs{}) } // as the gorilla application had it

var (
	hashKey  = []byte("0123456789abcdef0123456789abcdef")
	blockKey = []byte("fedcba9876543210fedcba9876543210")
)

const name = "app-session"

// gorillaApp is the application before the switch: /login puts a user
// ID and values in its gorilla session.
func gorillaApp(store sessions.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := store.Get(r, name)
		switch r.URL.Path {
		case "/login":
			id, _ := strconv.Atoi(r.FormValue("id"))
			s.Values["user_id"] = id
			s.Values["cart"] = r.FormValue("cart")
			s.Values["prefs"] = Prefs{Theme: "dark"}
			s.AddFlash("welcome")
			if err := s.Save(r, w); err != nil {
				http.Error(w, err.Error(), 500)
			}
		default:
			id, _ := s.Values["user_id"].(int)
			io.WriteString(w, strconv.Itoa(id))
		}
	})
}

func login(t *testing.T, h http.Handler, id int, cart string) *http.Cookie {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/login?id="+strconv.Itoa(id)+"&cart="+cart, nil))
	for _, c := range rec.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("the gorilla app set no cookie: %v", rec.Result().Header)
	return nil
}

// newApp is the application after the switch, answering user|cart|theme.
func newApp(t *testing.T, imp session.Importer) (http.Handler, *[]session.EventKind) {
	t.Helper()
	var events []session.EventKind
	m, err := session.New[session.Map](sessiontest.NewStore(),
		session.WithImporter(imp, session.CopyValues),
		session.WithEventHook(func(e session.Event) { events = append(events, e.Kind) }),
		session.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	return m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := m.Get(r)
		cart, _ := s.Data().GetString("cart")
		theme := ""
		prefs, _ := s.Data().Get("prefs")
		switch v := prefs.(type) {
		case Prefs:
			theme = v.Theme
		case map[string]any:
			theme, _ = v["Theme"].(string)
		}
		io.WriteString(w, s.User()+"|"+cart+"|"+theme)
	})), &events
}

func get(h http.Handler, cookies ...*http.Cookie) (string, *http.Response) {
	req := httptest.NewRequest("GET", "/", nil)
	for _, c := range cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Body.String(), rec.Result()
}

// switchOver checks one user's switch: logged in with their values, the
// gorilla cookie deleted, a session2 cookie set that works alone.
func switchOver(t *testing.T, h http.Handler, old *http.Cookie, want string) {
	t.Helper()
	got, res := get(h, old)
	if got != want {
		t.Fatalf("after the switch the user's request saw %q, want %q", got, want)
	}
	var ours, gone *http.Cookie
	for _, c := range res.Cookies() {
		switch c.Name {
		case "session":
			ours = c
		case name:
			gone = c
		}
	}
	if ours == nil || ours.Value == "" || gone == nil || gone.MaxAge >= 0 {
		t.Fatalf("want a session2 cookie and the gorilla cookie deleted, got %v", res.Header["Set-Cookie"])
	}
	if got, _ := get(h, ours); got != want {
		t.Fatalf("with the new cookie the request saw %q, want %q", got, want)
	}
}

func TestCookieStoreSwitch(t *testing.T) {
	old := gorillaApp(sessions.NewCookieStore(hashKey, blockKey))
	alice := login(t, old, 42, "apples")
	bob := login(t, old, 7, "pears")
	if got, _ := get(old, alice); got != "42" {
		t.Fatalf("the gorilla app itself reads %q", got)
	}
	imp, err := gorillaimport.CookieStore(name, [][]byte{hashKey, blockKey}, gorillaimport.WithUserKey("user_id"))
	if err != nil {
		t.Fatal(err)
	}
	h, events := newApp(t, imp)
	switchOver(t, h, alice, "42|apples|dark")
	switchOver(t, h, bob, "7|pears|dark")
	imported := 0
	for _, k := range *events {
		if k == session.EventImported {
			imported++
		}
	}
	if imported != 2 {
		t.Fatalf("%d imported events, want 2: %v", imported, *events)
	}

	// A cookie signed with other keys, or tampered with, is no session.
	other := login(t, gorillaApp(sessions.NewCookieStore([]byte("another hash key of 32 bytes...."))), 1, "x")
	tampered := &http.Cookie{Name: name, Value: alice.Value[:len(alice.Value)-2] + "AA"}
	for _, c := range []*http.Cookie{other, tampered, {Name: name, Value: "garbage"}} {
		if got, res := get(h, c); got != "||" || res.StatusCode != 200 {
			t.Fatalf("cookie %.20s… got %d %q, want a fresh session", c.Value, res.StatusCode, got)
		}
	}
}

func TestFilesystemStoreSwitch(t *testing.T) {
	dir := t.TempDir()
	fs := sessions.NewFilesystemStore(dir, hashKey, blockKey)
	old := gorillaApp(fs)
	alice := login(t, old, 42, "apples")
	bob := login(t, old, 7, "pears")
	files := func() int {
		m, _ := filepath.Glob(filepath.Join(dir, "session_*"))
		return len(m)
	}
	if files() != 2 {
		t.Fatalf("%d gorilla files, want 2", files())
	}
	imp, err := gorillaimport.FilesystemStore(dir, name, [][]byte{hashKey, blockKey}, gorillaimport.WithUserKey("user_id"))
	if err != nil {
		t.Fatal(err)
	}
	h, _ := newApp(t, imp)
	switchOver(t, h, alice, "42|apples|dark")
	if files() != 1 {
		t.Fatalf("%d gorilla files after alice's import, want 1", files())
	}
	if got, _ := get(old, alice); got != "0" {
		t.Fatalf("gorilla still reads alice's old session: %q", got)
	}
	switchOver(t, h, bob, "7|pears|dark")
	if got, _ := get(h, alice); got != "||" {
		t.Fatalf("the replayed gorilla cookie got %q, want a fresh session", got)
	}
}

func TestFilesystemStoreKeepOldAndGarbageFile(t *testing.T) {
	dir := t.TempDir()
	old := gorillaApp(sessions.NewFilesystemStore(dir, hashKey))
	alice := login(t, old, 42, "apples")
	imp, err := gorillaimport.FilesystemStore(dir, name, [][]byte{hashKey}, gorillaimport.WithUserKey("user_id"), gorillaimport.KeepOld())
	if err != nil {
		t.Fatal(err)
	}
	h, events := newApp(t, imp)
	switchOver(t, h, alice, "42|apples|dark")
	if got, _ := get(old, alice); got != "42" {
		t.Fatalf("KeepOld: gorilla, still serving, reads %q", got)
	}

	// A file overwritten with garbage: reported, and a fresh session.
	m, _ := filepath.Glob(filepath.Join(dir, "session_*"))
	if len(m) != 1 {
		t.Fatalf("files %v", m)
	}
	if err := os.WriteFile(m[0], []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	*events = nil
	if got, res := get(h, alice); got != "||" || res.StatusCode != 200 {
		t.Fatalf("garbage file: %d %q", res.StatusCode, got)
	}
	failed := false
	for _, k := range *events {
		failed = failed || k == session.EventImportFailed
	}
	if !failed {
		t.Fatalf("no import-failed event: %v", *events)
	}
}

func TestNoKeys(t *testing.T) {
	if _, err := gorillaimport.CookieStore(name, nil); err == nil {
		t.Fatal("no keys accepted")
	}
	if _, err := gorillaimport.FilesystemStore("", name, [][]byte{hashKey}); err == nil {
		t.Fatal("an empty directory accepted")
	}
	_ = securecookie.GenerateRandomKey
}
