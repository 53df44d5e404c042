package boltstore_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/boltstore"
)

// app serves /login?user=U (SetUser) and /whoami (the session's user)
// through the core middleware over store.
func app(t *testing.T, store session.Store) *httptest.Server {
	t.Helper()
	mgr, err := session.New[session.Map](store)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		s := mgr.Get(r)
		if err := s.SetUser(r.URL.Query().Get("user")); err != nil {
			mgr.Error(w, r, err)
			return
		}
		s.Data().Set("greeting", "hello")
		io.WriteString(w, "ok")
	})
	mux.HandleFunc("GET /whoami", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, mgr.Get(r).User())
	})
	srv := httptest.NewServer(mgr.Handler(mux))
	t.Cleanup(srv.Close)
	return srv
}

func newClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar}
}

func call(t *testing.T, c *http.Client, method, url string) string {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %s %s", method, url, resp.Status, body)
	}
	return string(body)
}

// TestRestartKeepsSessions runs an app on a bolt file, stops it (closing
// the store and its file), starts a new one on the same file, and finds
// the users still logged in; then logs one user out everywhere.
func TestRestartKeepsSessions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.db")
	first, err := boltstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	srv := app(t, first)
	alice1, alice2, bob := newClient(t), newClient(t), newClient(t)
	call(t, alice1, "POST", srv.URL+"/login?user=alice")
	call(t, alice2, "POST", srv.URL+"/login?user=alice")
	call(t, bob, "POST", srv.URL+"/login?user=bob")
	srv.Close()
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	second, err := session.OpenStore(context.Background(), "bolt:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	srv2 := app(t, second)
	// Cookies ignore ports: the jars send the old server's cookies to the
	// new one, on the same host.
	for _, c := range []struct {
		name   string
		client *http.Client
		user   string
	}{{"alice1", alice1, "alice"}, {"alice2", alice2, "alice"}, {"bob", bob, "bob"}} {
		if got := call(t, c.client, "GET", srv2.URL+"/whoami"); got != c.user {
			t.Fatalf("%s after restart: user %q, want %q", c.name, got, c.user)
		}
	}

	n, err := second.Prune(context.Background(), session.Filter{User: "alice"})
	if err != nil || n != 2 {
		t.Fatalf("Prune alice = %d, %v; want 2", n, err)
	}
	if got := call(t, alice1, "GET", srv2.URL+"/whoami"); got != "" {
		t.Fatalf("alice1 after logout everywhere: %q", got)
	}
	if got := call(t, bob, "GET", srv2.URL+"/whoami"); got != "bob" {
		t.Fatalf("bob after alice's logout: %q", got)
	}
}
