package faults

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/session2/session2/core/session"
)

// Bounds of the requests under fault.
const (
	// LoadTimeout is the manager's load timeout in the suite.
	LoadTimeout = time.Second
	// CommitTimeout is the manager's commit timeout in the suite.
	CommitTimeout = 500 * time.Millisecond
	// Bound is how long a request may take before it counts as hung: the
	// load timeout plus one second.
	Bound = LoadTimeout + time.Second
	// MaxPad is the largest padding a session grows to, in bytes.
	MaxPad = 48 << 10
)

// Counter is the session data of the suite: a counter the client
// increments, and padding that a write may grow to need disk space.
type Counter struct {
	N   int    `json:"n"`
	Pad string `json:"pad,omitempty"`
}

// NewManager returns the manager of the suite's handler on store, with the
// suite's timeouts.
func NewManager(store session.Store, opts ...session.Option) (*session.Manager[Counter], error) {
	all := append([]session.Option{
		session.WithLoadTimeout(LoadTimeout),
		session.WithCommitTimeout(CommitTimeout),
		session.WithExpiry(session.Expiry{TouchInterval: time.Hour}),
		// The suite provokes store errors by the thousand: they are
		// counted, not logged.
		session.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
	}, opts...)
	return session.New[Counter](store, all...)
}

// NewHandler returns the suite's application, behind mgr's middleware:
//
//	GET  /ping          200 "pong", never touching the session
//	POST /inc?grow=N    increments the counter (and grows the padding by
//	                    N bytes), answers the new value
//	GET  /read          answers the counter
func NewHandler(mgr *session.Manager[Counter]) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ping", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "pong")
	})
	mux.HandleFunc("POST /inc", func(w http.ResponseWriter, r *http.Request) {
		s := mgr.Get(r)
		d := s.Data()
		d.N++
		if g, _ := strconv.Atoi(r.URL.Query().Get("grow")); g > 0 && len(d.Pad)+g <= MaxPad {
			d.Pad += strings.Repeat(strconv.Itoa(d.N%10), g)
		}
		fmt.Fprint(w, d.N)
	})
	mux.HandleFunc("GET /read", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, mgr.Get(r).Data().N)
	})
	return mgr.Handler(mux)
}
