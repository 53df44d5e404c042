//go:build unix && !aix && (!solaris || illumos)

package filestore_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/filestore"
)

// TestManagerOverStore: behind the core middleware, over real HTTP, a
// visit counter survives reopening the store (a restart); a corrupted
// record file gives a fresh session, not an error page, and the store
// reports the corruption.
func TestManagerOverStore(t *testing.T) {
	dir := t.TempDir()
	serve := func(s session.Store) *httptest.Server {
		mgr, err := session.New[session.Map](s)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(mgr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			m := mgr.Get(r).Data()
			n, _ := m.GetInt("visits")
			m.Set("visits", n+1)
			w.Write([]byte(strconv.Itoa(n + 1)))
		})))
		t.Cleanup(srv.Close)
		return srv
	}
	var cookie *http.Cookie
	visit := func(srv *httptest.Server) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL, nil)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		for _, c := range resp.Cookies() {
			cookie = c
		}
		b := make([]byte, 64)
		n, _ := resp.Body.Read(b)
		return resp.StatusCode, string(b[:n])
	}

	s1, _ := open(t, dir)
	srv1 := serve(s1)
	visit(srv1)
	if code, body := visit(srv1); code != 200 || body != "2" {
		t.Fatalf("second visit: %d %q, want 200 \"2\"", code, body)
	}
	srv1.Close()
	s1.Close()

	s2, rep := open(t, dir)
	srv2 := serve(s2)
	if code, body := visit(srv2); code != 200 || body != "3" {
		t.Fatalf("first visit after reopening the store: %d %q, want 200 \"3\"", code, body)
	}

	recs, err := filepath.Glob(filepath.Join(dir, "r", "*", "[0-9a-f]*"))
	if err != nil || len(recs) != 1 {
		t.Fatalf("record files: %v (%v), want one", recs, err)
	}
	if err := os.WriteFile(recs[0], []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, body := visit(srv2); code != 200 || body != "1" {
		t.Errorf("visit with a corrupted record: %d %q, want a fresh session: 200 \"1\"", code, body)
	}
	if got := rep.take(); len(got) != 1 || !errors.Is(got[0], filestore.ErrCorrupt) {
		t.Errorf("reports = %v, want one ErrCorrupt", got)
	}
}
