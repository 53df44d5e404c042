package migrating_test

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// scs: sm.RenewToken then sm.Put(ctx, "userID", id) at login, sm.Destroy at
// logout. gorilla: there is no renewal (set session.ID = "" by hand);
// logout is Options.MaxAge = -1 and Save. session2: SetUser renews the
// token and records the user in one call; Destroy deletes the record and
// the cookie.
func Example_renewDestroy() {
	mgr := newManager()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		if err := mgr.Get(r).SetUser("ann"); err != nil { // a new token, the user recorded
			http.Error(w, "try again", http.StatusServiceUnavailable)
		}
	})
	mux.HandleFunc("GET /renew", func(w http.ResponseWriter, r *http.Request) {
		_ = mgr.Get(r).Renew() // sm.RenewToken(ctx) alone, for a privilege change
	})
	mux.HandleFunc("GET /logout", func(w http.ResponseWriter, r *http.Request) {
		mgr.Get(r).Destroy() // sm.Destroy(ctx)
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "user %q", mgr.Get(r).User())
	})
	b := &browser{h: mgr.Handler(mux)}
	b.do("GET", "/login")
	old := b.cookie.Value
	b.do("GET", "/renew")
	fmt.Println("new token:", b.cookie.Value != old)
	b.do("GET", "/")
	b.do("GET", "/logout")
	b.do("GET", "/")
	// Output:
	// GET /login: 200  [cookie set]
	// GET /renew: 200  [cookie set]
	// new token: true
	// GET /: 200 user "ann"
	// GET /logout: 200  [cookie deleted]
	// GET /: 200 user ""
}

// scs: sm.RememberMe(ctx, true) makes the cookie persistent, nothing more.
// gorilla: session.Options.MaxAge = 30*86400. session2: Remember sets a
// persistent cookie, a lifetime and an idle timeout for this session alone,
// so the session outlives the manager's idle timeout of 30 minutes. The
// cookie's Max-Age counts down to the session's end, 30 days after login.
func Example_rememberMe() {
	clock := sessiontest.NewClock(time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)) // an application leaves the clock out
	mgr := newManager(session.WithClock(clock.Now),
		session.WithExpiry(session.Expiry{Idle: 30 * time.Minute}))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		s := mgr.Get(r)
		if err := s.SetUser(r.FormValue("name")); err != nil {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		if r.FormValue("remember") == "on" {
			s.Remember(30 * 24 * time.Hour)
		}
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "user %q", mgr.Get(r).User())
	})
	ann, bob := &browser{h: mgr.Handler(mux)}, &browser{h: mgr.Handler(mux)}
	ann.do("GET", "/login?name=ann&remember=on")
	bob.do("GET", "/login?name=bob")
	clock.Advance(2 * time.Hour) // an idle gap longer than 30 minutes
	ann.do("GET", "/")
	bob.do("GET", "/")
	// Output:
	// GET /login?name=ann&remember=on: 200  [cookie set, Max-Age=2592000]
	// GET /login?name=bob: 200  [cookie set]
	// GET /: 200 user "ann" [cookie set, Max-Age=2584800]
	// GET /: 200 user ""
}

// gorilla: session.AddFlash(msg) and session.Flashes() (then Save), with
// an optional key (session.Flashes("error")). scs has no flashes: Put and
// PopString. session2: AddFlash and Flashes, or AddFlashKind and
// TakeFlashes for a kind per message; they are saved with the session.
func Example_flashes() {
	mgr := newManager()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /save", func(w http.ResponseWriter, r *http.Request) {
		s := mgr.Get(r)
		s.AddFlash("saved")                                       // session.AddFlash("saved")
		s.AddFlashKind(session.FlashError, "one field was empty") // session.AddFlash(msg, "error")
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		for _, f := range mgr.Get(r).TakeFlashes() { // session.Flashes() / Flashes("error")
			fmt.Fprintf(w, "[%s] %s; ", f.Kind, f.Text)
		}
	})
	b := &browser{h: mgr.Handler(mux)}
	b.do("GET", "/save")
	b.do("GET", "/")
	b.do("GET", "/")
	// Output:
	// GET /save: 200  [cookie set]
	// GET /: 200 [] saved; [error] one field was empty; [cookie deleted]
	// GET /: 200
}

// scs: sm.Iterate(ctx, fn) loads every session. session2: the store's List
// yields the records matching a filter, and Manager.UserSessions lists one
// user's sessions (for a "your devices" page); LogoutUser ends them all.
func Example_iterate() {
	store := sessiontest.NewStore()
	mgr, err := session.New[session.Map](store)
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		_ = mgr.Get(r).SetUser(r.FormValue("name"))
	})
	for _, name := range []string{"ann", "ann", "bob"} {
		(&browser{h: mgr.Handler(mux)}).do("GET", "/login?name="+name)
	}
	ctx := context.Background()
	n := 0
	for _, err := range store.List(ctx, session.Filter{}) { // every record
		if err != nil {
			panic(err)
		}
		n++
	}
	anns, err := mgr.UserSessions(ctx, "ann")
	fmt.Println(n, "sessions;", len(anns), "of ann;", err)
	ended, err := mgr.LogoutUser(ctx, "ann")
	fmt.Println(ended, "ended;", err)
	// Output:
	// GET /login?name=ann: 200  [cookie set]
	// GET /login?name=ann: 200  [cookie set]
	// GET /login?name=bob: 200  [cookie set]
	// 3 sessions; 2 of ann; <nil>
	// 2 ended; <nil>
}
