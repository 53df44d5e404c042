package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"testing"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/memstore"
)

func TestCounter(t *testing.T) {
	store := memstore.New()
	t.Cleanup(func() { _ = store.Close() })
	mgr, err := session.New[session.Map](store)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(router(mgr))
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	for _, want := range []string{"Counter: 1\n", "Counter: 2\n", "Counter: 3\n"} {
		resp, err := c.Get(srv.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != want {
			t.Fatalf("got %q, want %q", b, want)
		}
	}
}
