// Command scsport is the scs app of before.go.txt ported to session2: login
// (with remember-me), logout, a counter and a flash read once. MIGRATING.md
// at the repository's root tells how long the port took.
package main

import (
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/memstore"
)

func main() {
	mgr, err := newManager(memstore.New())
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Addr: "localhost:8080", Handler: mgr.Handler(routes(mgr)), ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}

// newManager is scs.New with the app's IdleTimeout, Lifetime and
// Cookie.Persist.
func newManager(store session.Store, opts ...session.Option) (*session.Manager[session.Map], error) {
	return session.New[session.Map](store, append([]session.Option{
		session.WithExpiry(session.Expiry{Idle: 30 * time.Minute, Lifetime: 24 * time.Hour}),
		session.WithCookie(session.Cookie{Persistent: false}),
	}, opts...)...)
}

func routes(mgr *session.Manager[session.Map]) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		name := r.FormValue("name")
		if name == "" {
			http.Error(w, "name required", http.StatusBadRequest)
			return
		}
		s := mgr.Get(r)
		// SetUser renews the token, as scs's RenewToken did, and records
		// the user (scs's Put("user", name)).
		if err := s.SetUser(name); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		// scs's RememberMe(true) made the cookie persistent; so does
		// SetPersistent. s.Remember(30*24*time.Hour) would also lengthen
		// the lifetime and idle timeout, which scs could not.
		s.SetPersistent(r.FormValue("remember") == "on")
		s.Data().Set("flash", "Welcome, "+name+"!")
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		mgr.Get(r).Destroy()
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /count", func(w http.ResponseWriter, r *http.Request) {
		m := mgr.Get(r).Data()
		n, _ := m.GetInt("count")
		m.Set("count", n+1)
		fmt.Fprintf(w, "count %d\n", n+1)
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		s := mgr.Get(r)
		user := s.User()
		if user == "" {
			fmt.Fprintln(w, "not logged in")
			return
		}
		if msg, _ := s.Data().PopString("flash"); msg != "" {
			fmt.Fprintln(w, msg)
		}
		fmt.Fprintf(w, "hello %s\n", user)
	})
	return mux
}
