package session_test

import (
	"fmt"
	"log"
	"net/http"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// A message set by one request is shown once by the next, then gone.
func ExampleMap_Pop() {
	mgr, err := session.New[session.Map](sessiontest.NewStore())
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /save", func(w http.ResponseWriter, r *http.Request) {
		mgr.Get(r).Data().Set("notice", "Saved.")
		fmt.Fprint(w, "redirecting")
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		notice, _ := mgr.Get(r).Data().PopString("notice") // read once
		fmt.Fprintf(w, "notice %q", notice)
	})
	b := &browser{h: mgr.Handler(mux)}
	b.do("POST", "/save")
	b.do("GET", "/")
	b.do("GET", "/")
	// Output:
	// POST /save: 200 redirecting
	// GET /: 200 notice "Saved."
	// GET /: 200 notice ""
}

// A []byte read back on a later request is a []byte with the same bytes,
// not their base64 text.
func ExampleMap_GetBytes() {
	mgr, err := session.New[session.Map](sessiontest.NewStore())
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /", func(w http.ResponseWriter, r *http.Request) {
		mgr.Get(r).Data().Set("nonce", []byte{0xde, 0xad, 0xbe, 0xef})
		fmt.Fprint(w, "stored")
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		nonce, ok := mgr.Get(r).Data().GetBytes("nonce")
		fmt.Fprintf(w, "%x %v", nonce, ok)
	})
	b := &browser{h: mgr.Handler(mux)}
	b.do("POST", "/")
	b.do("GET", "/")
	// Output:
	// POST /: 200 stored
	// GET /: 200 deadbeef true
}

// A struct stored in a Map comes back from the store as a map[string]any;
// GetAs decodes it into its type again.
func ExampleGetAs() {
	type User struct {
		Name  string
		Roles []string
	}
	mgr, err := session.New[session.Map](sessiontest.NewStore())
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /", func(w http.ResponseWriter, r *http.Request) {
		mgr.Get(r).Data().Set("user", User{Name: "ann", Roles: []string{"admin"}})
		fmt.Fprint(w, "stored")
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		m := mgr.Get(r).Data()
		raw, _ := m.Get("user")
		u, err := session.GetAs[User](m, "user")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "stored as %T, read as %+v", raw, u)
	})
	b := &browser{h: mgr.Handler(mux)}
	b.do("POST", "/")
	b.do("GET", "/")
	// Output:
	// POST /: 200 stored
	// GET /: 200 stored as map[string]interface {}, read as {Name:ann Roles:[admin]}
}
