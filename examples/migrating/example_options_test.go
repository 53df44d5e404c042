package migrating_test

import (
	"fmt"
	"net/http"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// Prefs is the "prefs" session of a gorilla app; it and Auth, two named
// sessions there, are fields of one typed session here.
type Prefs struct{ Theme string }

// Auth is the "auth" session of gorilla's app.
type Auth struct{ Role string }

// AppSession is the whole session: session.New[AppSession].
type AppSession struct {
	Prefs Prefs
	Auth  Auth
}

// gorilla, gin-contrib (sessions.SessionsMany), echo-contrib: several named
// sessions per request, each its own cookie. session2: one session per
// manager and cookie; make its data a struct with one field per former
// session, or run a second manager with another cookie name.
func Example_namedSessions() {
	mgr, err := session.New[AppSession](sessiontest.NewStore())
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /set", func(w http.ResponseWriter, r *http.Request) {
		d := mgr.Get(r).Data() // store.Get(r, "prefs"), store.Get(r, "auth")
		d.Prefs.Theme = "dark"
		d.Auth.Role = "admin"
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		d := mgr.Get(r).Data()
		fmt.Fprintf(w, "%s %s", d.Prefs.Theme, d.Auth.Role)
	})
	b := &browser{h: mgr.Handler(mux)}
	b.do("GET", "/set")
	b.do("GET", "/")
	// Output:
	// GET /set: 200  [cookie set]
	// GET /: 200 dark admin
}

// scs: sm.Codec = ... (gob by default). gorilla: securecookie's
// serializers (gob by default, or JSONEncoder). session2: WithCodec, JSON
// by default. The data is kept on the server: the cookie holds a random
// token, never the values, so no signing or encryption keys are needed.
func Example_codec() {
	mgr := newManager(session.WithCodec(session.GobCodec{}))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		m := mgr.Get(r).Data()
		n, _ := m.GetInt("count")
		m.Set("count", n+1)
		fmt.Fprintf(w, "count %d", n+1)
	})
	b := &browser{h: mgr.Handler(mux)}
	b.do("GET", "/")
	b.do("GET", "/")
	// Output:
	// GET /: 200 count 1 [cookie set]
	// GET /: 200 count 2
}
