package session_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// CheckRequest (the single-use form tokens) reads the body as the CSRF
// check does: up to its field, never into a file, and the handler streams
// the upload whole.
func TestCheckRequestStopsAtFile(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	mgr, err := session.New[session.Map](sessiontest.NewStore())
	if err != nil {
		t.Fatal(err)
	}
	var atCall int64
	var spooled, parsed bool
	mux := http.NewServeMux()
	mux.HandleFunc("GET /form", func(w http.ResponseWriter, r *http.Request) {
		tok, err := mgr.Get(r).NewFormToken()
		if err != nil {
			t.Error(err)
		}
		_, _ = io.WriteString(w, tok)
	})
	mux.HandleFunc("POST /upload", func(w http.ResponseWriter, r *http.Request) {
		if !mgr.Get(r).CheckRequest(r) {
			http.Error(w, "no form token", http.StatusForbidden)
			return
		}
		atCall = r.Context().Value(countKey{}).(*countingBody).n.Load()
		ents, _ := os.ReadDir(os.TempDir())
		spooled, parsed = len(ents) != 0, r.MultipartForm != nil
		mr, err := r.MultipartReader()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			n, _ := io.Copy(io.Discard, p)
			fmt.Fprintf(w, "%s:%d ", p.FormName(), n)
		}
	})
	app := mgr.Handler(mux)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cb := &countingBody{ReadCloser: r.Body}
		r.Body = cb
		app.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), countKey{}, cb)))
	}))
	defer srv.Close()
	s := &bodySite{t: t, srv: srv}
	res, err := srv.Client().Get(srv.URL + "/form")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	tok := string(b)
	s.cookie = res.Cookies()[0].Name + "=" + res.Cookies()[0].Value
	const size = 40 << 20
	body, ct := upload(t, size, "form_token", tok, "file", "")
	code, got := s.do("/upload", ct, body, nil)
	if want := fmt.Sprintf("form_token:%d file:%d ", len(tok), size); code != http.StatusOK || got != want {
		t.Fatalf("upload: %d %q, want 200 %q", code, got, want)
	}
	if atCall > session.DefaultCSRFBodyLimit || spooled || parsed {
		t.Errorf("CheckRequest read %d bytes, spooled %v, parsed %v; want at most %d, neither", atCall, spooled, parsed, session.DefaultCSRFBodyLimit)
	}
}
