package bench

import (
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/alexedwards/scs/v2"
	scsmem "github.com/alexedwards/scs/v2/memstore"
	"github.com/gorilla/sessions"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/memstore"
)

// cookieName is the session cookie of every contender, so that requests
// carry headers of the same shape.
const cookieName = "session"

// api is what a contender offers the application's handlers: a uniform face
// over each library's own calls.
type api interface {
	// get returns the value stored under key in the request's session.
	get(r *http.Request, key string) (any, bool)
	// set stores v under key. It runs before the response is written, so
	// that libraries that must save explicitly (gorilla) can.
	set(w http.ResponseWriter, r *http.Request, key string, v any) error
	// keys returns the session's keys, sorted.
	keys(r *http.Request) []string
}

// lib is one contender of the comparison.
type lib struct {
	name string
	// build returns the middleware and the api of a fresh instance, with
	// its store; what it starts is stopped by tb's cleanup.
	build func(tb testing.TB) (mw func(http.Handler) http.Handler, a api)
}

// libs are the contenders, in the order the benchmarks run them.
var libs = []lib{
	{"bare", buildBare},
	{"session2", buildSession2},
	{"scs", buildSCS},
	{"gorilla-cookie", buildGorillaCookie},
	{"gorilla-fs", buildGorillaFS},
}

// app returns the application every contender serves, wrapped in the
// contender's middleware:
//
//	/none       touches no session
//	/read       reads "name", which /prime set to "alice"
//	/write      sets "n" to a number that grows with every request
//	/prime      sets "name" to "alice", creating the session
//	/set?key=K  sets K to true
//	/get?key=K  answers K's value
//	/keys       answers the session's keys, one a line
//
// Every route answers "ok" unless it answers a value; a failure is a 500.
// Responses name their Content-Type, as real handlers do: a recorder sniffs
// the type of a response whose header was not written before its body,
// which would charge the bare handler for work a middleware's explicit
// WriteHeader skips.
func app(tb testing.TB, l lib) http.Handler {
	mw, a := l.build(tb)
	var counter atomic.Int64
	counter.Store(1000) // beyond the integers Go boxes without allocating
	return mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		var err error
		switch r.URL.Path {
		case "/none":
		case "/read":
			if v, _ := a.get(r, "name"); v != any("alice") {
				err = fmt.Errorf("read %v, want alice", v)
			}
		case "/write":
			err = a.set(w, r, "n", int(counter.Add(1)))
		case "/prime":
			err = a.set(w, r, "name", "alice")
		case "/set":
			err = a.set(w, r, r.URL.Query().Get("key"), true)
		case "/get":
			v, ok := a.get(r, r.URL.Query().Get("key"))
			if !ok {
				http.Error(w, "missing", http.StatusNotFound)
				return
			}
			_, _ = fmt.Fprint(w, v)
			return
		case "/keys":
			for _, k := range a.keys(r) {
				_, _ = io.WriteString(w, k+"\n")
			}
			return
		default:
			http.NotFound(w, r)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_, _ = w.Write(okBody)
	}))
}

// okBody is the body of a successful response.
var okBody = []byte("ok")

// bare: no session library at all. Reads find "alice", writes vanish.

type bareAPI struct{}

func buildBare(testing.TB) (func(http.Handler) http.Handler, api) {
	return func(h http.Handler) http.Handler { return h }, bareAPI{}
}

func (bareAPI) get(_ *http.Request, key string) (any, bool) {
	if key == "name" {
		return "alice", true
	}
	return nil, false
}
func (bareAPI) set(http.ResponseWriter, *http.Request, string, any) error { return nil }
func (bareAPI) keys(*http.Request) []string                               { return nil }

// session2: the core's net/http middleware over memstore, default options.

type session2API struct{ m *session.Manager[session.Map] }

func buildSession2(tb testing.TB) (func(http.Handler) http.Handler, api) {
	store := memstore.New()
	tb.Cleanup(func() { _ = store.Close() })
	m, err := session.New[session.Map](store)
	if err != nil {
		tb.Fatalf("session.New: %v", err)
	}
	return m.Handler, session2API{m}
}

func (a session2API) get(r *http.Request, key string) (any, bool) {
	return a.m.Get(r).Data().Get(key)
}

func (a session2API) set(_ http.ResponseWriter, r *http.Request, key string, v any) error {
	a.m.Get(r).Data().Set(key, v)
	return nil
}

func (a session2API) keys(r *http.Request) []string { return a.m.Get(r).Data().Keys() }

// scs: LoadAndSave over scs's own memstore, default options.

type scsAPI struct{ sm *scs.SessionManager }

func buildSCS(tb testing.TB) (func(http.Handler) http.Handler, api) {
	// No cleanup goroutine: scs v2.9.0's StopCleanup races with that
	// goroutine's start, which -race reports on a short run.
	store := scsmem.NewWithCleanupInterval(0)
	sm := scs.New()
	sm.Store = store
	sm.Cookie.Name = cookieName
	return sm.LoadAndSave, scsAPI{sm}
}

func (a scsAPI) get(r *http.Request, key string) (any, bool) {
	v := a.sm.Get(r.Context(), key)
	return v, v != nil
}

func (a scsAPI) set(_ http.ResponseWriter, r *http.Request, key string, v any) error {
	a.sm.Put(r.Context(), key, v)
	return nil
}

func (a scsAPI) keys(r *http.Request) []string { return a.sm.Keys(r.Context()) }

// gorilla: sessions has no middleware. An application loads the session
// with store.Get (which caches it in the request) and saves it explicitly
// before writing the response; the middleware below is the Get every route
// of such an application makes.

type gorillaAPI struct{ store sessions.Store }

func gorillaMiddleware(store sessions.Store) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// An undecodable cookie gives a new session and an error,
			// which an application ignores to start afresh.
			_, _ = store.Get(r, cookieName)
			next.ServeHTTP(w, r)
		})
	}
}

func buildGorillaCookie(tb testing.TB) (func(http.Handler) http.Handler, api) {
	store := sessions.NewCookieStore(randomKey(tb))
	// The defaults (Secure, SameSite=None) would keep a cookie jar from
	// sending the cookie to an http:// test server.
	store.Options.Secure = false
	store.Options.SameSite = http.SameSiteLaxMode
	store.Options.HttpOnly = true
	return gorillaMiddleware(store), gorillaAPI{store}
}

func buildGorillaFS(tb testing.TB) (func(http.Handler) http.Handler, api) {
	store := sessions.NewFilesystemStore(tb.TempDir(), randomKey(tb))
	store.Options.SameSite = http.SameSiteLaxMode
	store.Options.HttpOnly = true
	return gorillaMiddleware(store), gorillaAPI{store}
}

func (a gorillaAPI) session(r *http.Request) *sessions.Session {
	s, _ := a.store.Get(r, cookieName) // never nil: a new session on error
	return s
}

func (a gorillaAPI) get(r *http.Request, key string) (any, bool) {
	v, ok := a.session(r).Values[key]
	return v, ok
}

func (a gorillaAPI) set(w http.ResponseWriter, r *http.Request, key string, v any) error {
	s := a.session(r)
	s.Values[key] = v
	return s.Save(r, w)
}

func (a gorillaAPI) keys(r *http.Request) []string {
	var out []string
	for k := range a.session(r).Values {
		if s, ok := k.(string); ok {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

func randomKey(tb testing.TB) []byte {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		tb.Fatalf("random key: %v", err)
	}
	return k
}

// itoa formats the value /write stores, as /get answers it.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }
