package conformance

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
)

// An App is a small web application over a store, served by httptest: the
// one [TestSharedStore] runs, for a store's own tests through the core
// middleware. Its routes, all answering GET:
//
//	/read        writes "n=<n> new=<bool>", the session's counter n
//	/write       increments n and writes "n=<n>"
//	/set?k=&v=   sets the key k to the string v
//	/get         writes the session's keys and values as JSON
//	/login?u=    calls SetUser
//	/logout      calls Destroy
//	/big?n=      sets "big" to a string of n bytes
//	/bigsize     writes the length of "big"
//
// The manager logs nothing; its error handler counts the errors and
// answers 503, or 500 for [session.ErrTooLarge].
type App struct {
	// Manager is the app's manager.
	Manager *session.Manager[session.Map]
	// URL is the server's base URL.
	URL string

	client *http.Client
	mu     sync.Mutex
	events []session.EventKind
	errors int
}

// NewApp starts an App over s, with opts after its own options (so they
// may replace the logger and the error handler); t.Cleanup stops it.
func NewApp(t testing.TB, s session.Store, opts ...session.Option) *App {
	t.Helper()
	a := &App{}
	opts = append([]session.Option{
		session.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		session.WithEventHook(func(e session.Event) {
			a.mu.Lock()
			a.events = append(a.events, e.Kind)
			a.mu.Unlock()
		}),
		session.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, err error) {
			a.mu.Lock()
			a.errors++
			a.mu.Unlock()
			status := http.StatusServiceUnavailable
			if errors.Is(err, session.ErrTooLarge) {
				status = http.StatusInternalServerError
			}
			http.Error(w, "session store failed", status)
		}),
	}, opts...)
	mgr, err := session.New[session.Map](s, opts...)
	if err != nil {
		t.Fatalf("session.New: %v", err)
	}
	a.Manager = mgr
	srv := httptest.NewServer(mgr.Handler(appRoutes(mgr)))
	t.Cleanup(srv.Close)
	a.URL = srv.URL
	a.client = &http.Client{Transport: srv.Client().Transport, Timeout: 30 * time.Second}
	return a
}

func appRoutes(mgr *session.Manager[session.Map]) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/read", func(w http.ResponseWriter, r *http.Request) {
		s := mgr.Get(r)
		n, _ := s.Data().GetInt("n")
		fmt.Fprintf(w, "n=%d new=%v", n, s.IsNew())
	})
	mux.HandleFunc("/write", func(w http.ResponseWriter, r *http.Request) {
		s := mgr.Get(r)
		n, _ := s.Data().GetInt("n")
		s.Data().Set("n", n+1)
		fmt.Fprintf(w, "n=%d", n+1)
	})
	mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) {
		mgr.Get(r).Data().Set(r.FormValue("k"), r.FormValue("v"))
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		m := mgr.Get(r).Data()
		out := map[string]any{}
		for _, key := range m.Keys() {
			out[key], _ = m.Get(key)
		}
		json.NewEncoder(w).Encode(out)
	})
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		if err := mgr.Get(r).SetUser(r.FormValue("u")); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
		mgr.Get(r).Destroy()
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.FormValue("n"))
		mgr.Get(r).Data().Set("big", strings.Repeat("x", n))
	})
	mux.HandleFunc("/bigsize", func(w http.ResponseWriter, r *http.Request) {
		v, _ := mgr.Get(r).Data().GetString("big")
		fmt.Fprint(w, len(v))
	})
	return mux
}

// Errors returns how many times the error handler has run.
func (a *App) Errors() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.errors
}

// SawEvent reports whether the manager has reported an event of kind k.
func (a *App) SawEvent(k session.EventKind) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, e := range a.events {
		if e == k {
			return true
		}
	}
	return false
}

// Do sends a GET of path with b's cookie, keeps the cookie the response
// sets in b, and returns the status and body; a failed request fails t.
func (a *App) Do(t testing.TB, b *Client, path string) (status int, body string) {
	t.Helper()
	status, body, err := a.Try(b, path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return status, body
}

// Try is [App.Do] returning the error, for goroutines other than the
// test's.
func (a *App) Try(b *Client, path string) (status int, body string, err error) {
	req, err := http.NewRequest(http.MethodGet, a.URL+path, nil)
	if err != nil {
		return 0, "", err
	}
	name := a.Manager.CookieName()
	if tok := b.Token(); tok != "" {
		req.AddCookie(&http.Cookie{Name: name, Value: tok})
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b2, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", err
	}
	for _, c := range resp.Cookies() {
		if c.Name == name {
			if c.MaxAge < 0 {
				b.set("")
			} else {
				b.set(c.Value)
			}
		}
	}
	return resp.StatusCode, string(b2), nil
}

// A Client holds one visitor's session cookie for [App.Do]. The zero
// value has none. It is safe for concurrent use.
type Client struct {
	mu    sync.Mutex
	token string
}

// NewClient returns a client holding the session token token.
func NewClient(token string) *Client { return &Client{token: token} }

// Token returns the session token the client holds, "" for none.
func (b *Client) Token() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.token
}

func (b *Client) set(token string) {
	b.mu.Lock()
	b.token = token
	b.mu.Unlock()
}
