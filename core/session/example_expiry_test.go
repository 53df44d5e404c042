package session_test

import (
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// "Remember me for 30 days" with the default options, through a gap of
// three weeks. (The clock is the test's; an application leaves it out.)
func ExampleSession_Remember() {
	clock := newFakeClock()
	mgr, err := session.New[session.Map](sessiontest.NewStore(), session.WithClock(clock.Now))
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		// Check the password first, then:
		s := mgr.Get(r)
		if err := s.SetUser(r.FormValue("name")); err != nil {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		if r.FormValue("remember") == "on" {
			s.Remember(30 * 24 * time.Hour)
		}
		fmt.Fprintf(w, "logged in until %s", s.CreatedAt().Add(s.Lifetime()).Format(time.DateOnly))
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "user %q", mgr.Get(r).User())
	})
	b := &browser{h: mgr.Handler(mux)}
	b.do("POST", "/login?name=ann&remember=on")
	clock.Advance(21 * 24 * time.Hour)
	b.do("GET", "/")
	clock.Advance(10 * 24 * time.Hour)
	b.do("GET", "/")
	// Output:
	// POST /login?name=ann&remember=on: 200 logged in until 2030-01-31
	// GET /: 200 user "ann"
	// GET /: 200 user ""
}

// A page with a long form gives its session two idle hours, though the
// manager ends sessions after 30 idle minutes.
func ExampleSession_SetIdleTimeout() {
	clock := newFakeClock()
	mgr, err := session.New[session.Map](sessiontest.NewStore(), session.WithClock(clock.Now),
		session.WithExpiry(session.Expiry{Idle: 30 * time.Minute}))
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /form", func(w http.ResponseWriter, r *http.Request) {
		s := mgr.Get(r)
		s.Data().Set("draft", "started")
		if r.FormValue("long") == "yes" {
			s.SetIdleTimeout(2 * time.Hour)
		}
		fmt.Fprintf(w, "idle timeout %v", s.IdleTimeout())
	})
	mux.HandleFunc("POST /form", func(w http.ResponseWriter, r *http.Request) {
		draft, _ := mgr.Get(r).Data().GetString("draft")
		fmt.Fprintf(w, "draft %q", draft)
	})
	short := &browser{h: mgr.Handler(mux)}
	long := &browser{h: mgr.Handler(mux)}
	short.do("GET", "/form")
	long.do("GET", "/form?long=yes")
	clock.Advance(90 * time.Minute)
	short.do("POST", "/form")
	long.do("POST", "/form")
	// Output:
	// GET /form: 200 idle timeout 30m0s
	// GET /form?long=yes: 200 idle timeout 2h0m0s
	// POST /form: 200 draft ""
	// POST /form: 200 draft "started"
}
