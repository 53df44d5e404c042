package session_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/session2/session2/core/session"
)

// The examples compile but do not run: a store comes from a store package
// (memstore, filestore, boltstore, postgresstore, mysqlstore), which this
// module does not import. Those packages have runnable examples.

func ExampleNew() {
	// With a store package imported for its URL scheme, for example
	//	import _ "github.com/session2/session2/stores/filestore"
	store, err := session.OpenStore(context.Background(), "file:/var/lib/myapp/sessions")
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	mgr, err := session.New[session.Map](store,
		session.WithIdleTimeout(30*time.Minute),
		session.WithLifetime(12*time.Hour),
		session.WithCookieName("__Host-session"),
	)
	if err != nil {
		log.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s := mgr.Get(r)
		n, _ := s.Data().GetInt("visits")
		s.Data().Set("visits", n+1) // saved before the first byte below
		fmt.Fprintf(w, "visit %d\n", n+1)
	})
	log.Fatal(http.ListenAndServe(":8080", mgr.Handler(mux)))
}

// Profile is an application's own session type: its exported fields are
// saved with the JSON codec.
type Profile struct {
	Theme string
	Cart  []string
}

func ExampleSession_SetUser() {
	var mgr *session.Manager[Profile] // from session.New[Profile](store)
	login := func(w http.ResponseWriter, r *http.Request) {
		// Check the password first, then:
		s := mgr.Get(r)
		if err := s.SetUser(r.PostFormValue("name")); err != nil { // a new token: no fixation
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		s.AddFlash("Welcome back!")
		http.Redirect(w, r, "/", http.StatusSeeOther)
	}
	logout := func(w http.ResponseWriter, r *http.Request) {
		mgr.Get(r).Destroy() // deleted in the store, cookie revoked
		http.Redirect(w, r, "/", http.StatusSeeOther)
	}
	http.HandleFunc("POST /login", login)
	http.HandleFunc("POST /logout", logout)
}

func ExampleSession_NewFormToken() {
	var mgr *session.Manager[session.Map] // from session.New[session.Map](store)
	http.HandleFunc("GET /transfer", func(w http.ResponseWriter, r *http.Request) {
		tok, err := mgr.Get(r).NewFormToken()
		if err != nil {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, `<form method="post"><input type="hidden" name="form_token" value="%s">…</form>`, tok)
	})
	http.HandleFunc("POST /transfer", func(w http.ResponseWriter, r *http.Request) {
		if !mgr.Get(r).CheckFormToken(r.PostFormValue("form_token")) { // single use
			http.Error(w, "stale or forged form", http.StatusForbidden)
			return
		}
		// … do the transfer
	})
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
