// Package tput is the throughput comparison: session2 and scs serving the
// same application over real HTTP, on the memory stores and on
// PostgreSQL, driven by package loadgen in one process (shared) or from a
// server process pinned to its own CPU (split). Its rows are what
// cmd/tput writes and cmd/plot draws.
package tput

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/session2/session2/core/session"
)

// CookieName is the session cookie of every contender, so that requests
// carry headers of the same shape.
const CookieName = "session"

// IdleTimeout is both contenders' idle timeout, so that a read-only
// request must move the session's expiry.
const IdleTimeout = 30 * time.Minute

// okBody is the body of a successful response.
var okBody = []byte("ok")

// App is the application every contender serves: /prime sets name=alice,
// /read checks it, /write sets n to a growing number. get and set are the
// contender's session calls. Responses name their Content-Type and carry
// a Content-Length, as the raw client needs.
func App(get func(r *http.Request, key string) any, set func(r *http.Request, key string, v any)) http.Handler {
	var n atomic.Int64
	n.Store(1000) // beyond the integers Go boxes without allocating
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		switch r.URL.Path {
		case "/prime":
			set(r, "name", "alice")
		case "/read":
			if v := get(r, "name"); v != any("alice") {
				http.Error(w, fmt.Sprintf("read %v, want alice", v), http.StatusInternalServerError)
				return
			}
		case "/write":
			set(r, "n", int(n.Add(1)))
		default:
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(okBody)
	})
}

// Session2 is App through session2's middleware on s, default options
// but the cookie name and the idle timeout.
func Session2(s session.Store) (http.Handler, error) {
	m, err := session.New[session.Map](s, session.WithExpiry(session.Expiry{Idle: IdleTimeout}), session.WithCookie(session.Cookie{Name: CookieName}))
	if err != nil {
		return nil, err
	}
	return m.Handler(App(
		func(r *http.Request, key string) any { v, _ := m.Get(r).Data().Get(key); return v },
		func(r *http.Request, key string, v any) { m.Get(r).Data().Set(key, v) },
	)), nil
}

// SCS is App through scs's LoadAndSave on st, with the same cookie name
// and idle timeout.
func SCS(st scs.Store) http.Handler {
	sm := scs.New()
	sm.Store = st
	sm.Cookie.Name = CookieName
	sm.IdleTimeout = IdleTimeout
	return sm.LoadAndSave(App(
		func(r *http.Request, key string) any { return sm.Get(r.Context(), key) },
		func(r *http.Request, key string, v any) { sm.Put(r.Context(), key, v) },
	))
}

// Bare is App without sessions, the floor below which no session library
// can go: it sends a cookie to /prime and answers reads as if the session
// held the name.
func Bare() http.Handler {
	app := App(func(*http.Request, string) any { return "alice" }, func(*http.Request, string, any) {})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/prime" {
			http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "x"})
		}
		app.ServeHTTP(w, r)
	})
}
