package session_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// browser sends requests to h with one cookie jar holding the session
// cookie, and prints each answer.
type browser struct {
	h      http.Handler
	cookie string
}

func (b *browser) do(method, target string) {
	r := httptest.NewRequest(method, target, nil)
	if b.cookie != "" {
		r.Header.Set("Cookie", b.cookie)
	}
	w := httptest.NewRecorder()
	b.h.ServeHTTP(w, r)
	for _, c := range w.Result().Cookies() {
		if c.MaxAge < 0 {
			b.cookie = ""
		} else {
			b.cookie = c.Name + "=" + c.Value
		}
	}
	fmt.Printf("%s %s: %d %s\n", method, target, w.Code, strings.TrimSpace(w.Body.String()))
}

func Example() {
	store := sessiontest.NewStore() // memstore.New() in an application
	mgr, err := session.New[session.Map](store, session.WithExpiry(session.Expiry{Idle: 30 * time.Minute}))
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s := mgr.Get(r)
		n, _ := s.Data().GetInt("visits")
		s.Data().Set("visits", n+1) // saved before the first byte below
		fmt.Fprintf(w, "visit %d", n+1)
	})
	b := &browser{h: mgr.Handler(mux)} // http.ListenAndServe(":8080", mgr.Handler(mux))
	b.do("GET", "/")
	b.do("GET", "/")
	b.do("GET", "/")
	// Output:
	// GET /: 200 visit 1
	// GET /: 200 visit 2
	// GET /: 200 visit 3
}

func ExampleOpenStore() {
	// A store package registers its URL scheme when imported, for example
	//	import _ "github.com/session2/session2/stores/filestore"
	// This program imports none, so the scheme is unknown here.
	store, err := session.OpenStore(context.Background(), "file:/var/lib/myapp/sessions")
	if err != nil {
		fmt.Println(errors.Is(err, session.ErrUnknownScheme))
		return
	}
	defer store.Close()
	// Output: true
}

// Profile is an application's own session type: its exported fields are
// saved with the JSON codec.
type Profile struct {
	Theme string
	Cart  []string
}

func ExampleSession_SetUser() {
	mgr, _ := session.New[Profile](sessiontest.NewStore())
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		// Check the password first, then:
		s := mgr.Get(r)
		if err := s.SetUser(r.FormValue("name")); err != nil { // a new token: no fixation
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		s.AddFlash("Welcome back!")
		fmt.Fprint(w, "logged in")
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		s := mgr.Get(r)
		fmt.Fprintf(w, "user %q, flashes %q", s.User(), s.Flashes())
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		mgr.Get(r).Destroy() // deleted in the store, cookie revoked
		fmt.Fprint(w, "logged out")
	})
	b := &browser{h: mgr.Handler(mux)}
	b.do("POST", "/login?name=ann")
	before := b.cookie
	b.do("GET", "/")
	b.do("GET", "/")
	b.do("POST", "/logout")
	fmt.Println("cookie kept after login:", before != "", "after logout:", b.cookie != "")
	b.do("GET", "/")
	// Output:
	// POST /login?name=ann: 200 logged in
	// GET /: 200 user "ann", flashes ["Welcome back!"]
	// GET /: 200 user "ann", flashes []
	// POST /logout: 200 logged out
	// cookie kept after login: true after logout: false
	// GET /: 200 user "", flashes []
}

func ExampleSession_NewFormToken() {
	mgr, _ := session.New[session.Map](sessiontest.NewStore())
	var issued string
	mux := http.NewServeMux()
	mux.HandleFunc("GET /transfer", func(w http.ResponseWriter, r *http.Request) {
		tok, err := mgr.Get(r).NewFormToken()
		if err != nil {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		issued = tok // in a page: <input type="hidden" name="form_token" value="…">
		fmt.Fprint(w, "form")
	})
	mux.HandleFunc("POST /transfer", func(w http.ResponseWriter, r *http.Request) {
		if !mgr.Get(r).CheckRequest(r) { // the X-Form-Token header or the form_token field; single use
			http.Error(w, "stale or forged form", http.StatusForbidden)
			return
		}
		fmt.Fprint(w, "done")
	})
	b := &browser{h: mgr.Handler(mux)}
	b.do("GET", "/transfer")
	b.do("POST", "/transfer?form_token=forged")
	post := func() {
		r := httptest.NewRequest("POST", "/transfer", strings.NewReader("form_token="+issued))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Cookie", b.cookie)
		w := httptest.NewRecorder()
		b.h.ServeHTTP(w, r)
		fmt.Println("POST with the issued token:", w.Code, strings.TrimSpace(w.Body.String()))
	}
	post()
	post() // replayed
	// Output:
	// GET /transfer: 200 form
	// POST /transfer?form_token=forged: 403 stale or forged form
	// POST with the issued token: 200 done
	// POST with the issued token: 403 stale or forged form
}

func ExampleSession_Update() {
	mgr, _ := session.New[session.Map](sessiontest.NewStore())
	h := mgr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n int
		// Replayed on the newer data should a concurrent request have saved
		// the session first: no increment is lost.
		mgr.Get(r).Update(func(m *session.Map) {
			n, _ = m.GetInt("hits")
			n++
			m.Set("hits", n)
		})
		fmt.Fprintf(w, "hits %d", n)
	}))
	b := &browser{h: h}
	b.do("GET", "/")
	b.do("GET", "/")
	// Output:
	// GET /: 200 hits 1
	// GET /: 200 hits 2
}

func ExampleWithLoadTimeout() {
	store := sessiontest.Wrap(sessiontest.NewStore())
	mgr, _ := session.New[session.Map](store,
		session.WithLoadTimeout(20*time.Millisecond),
		session.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	b := &browser{h: mgr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mgr.Get(r).Data().Set("seen", true)
		fmt.Fprint(w, "ok")
	}))}
	b.do("GET", "/")
	store.Before(sessiontest.Load, sessiontest.Hang) // the database accepts the query and never answers
	b.do("GET", "/")
	// Output:
	// GET /: 200 ok
	// GET /: 503 Service Unavailable
}

func ExampleMap() {
	var m session.Map
	m.Set("visits", 3)
	m.Set("name", "ann")
	n, _ := m.GetInt("visits") // an int, also after the JSON round trip
	name, _ := m.GetString("name")
	fmt.Println(n, name, m.Keys())
	// Output: 3 ann [name visits]
}
