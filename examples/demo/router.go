package main

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/session2/session2/adapters/chi/chisession"
	"github.com/session2/session2/core/session"
)

// A framework builds the demo's router: the same route table and the same
// pages, through that framework's session adapter.
type framework struct {
	name  string
	build func(a *app) http.Handler
}

// allFrameworks lists the routers the demo can serve with, the default first.
var allFrameworks = []framework{
	{"chi", chiRouter},
	{"gin", ginRouter},
	{"echo", echoRouter},
}

// frameworks returns the names of the routers.
func frameworks() []string {
	names := make([]string, len(allFrameworks))
	for i, f := range allFrameworks {
		names[i] = f.name
	}
	return names
}

func knownFramework(name string) bool {
	for _, f := range allFrameworks {
		if f.name == name {
			return true
		}
	}
	return false
}

// newHandler returns the demo's handler on the named framework.
func newHandler(name string, a *app) (http.Handler, error) {
	a.protect()
	for _, f := range allFrameworks {
		if f.name == name {
			return f.build(a), nil
		}
	}
	return nil, fmt.Errorf("unknown framework %q (known: %s)", name, strings.Join(frameworks(), ", "))
}

// chiRouter serves the pages on chi through chisession.
func chiRouter(a *app) http.Handler {
	r := chi.NewRouter()
	r.Use(a.recoverer)
	r.Use(a.cop.Handler) // before the session: a refused request loads nothing
	r.Use(chisession.Middleware(a.mgr))
	for _, rt := range a.routes() {
		p := rt.page
		r.Method(rt.method, rt.path, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			p(w, req, chisession.Get[session.Map](req))
		}))
	}
	r.NotFound(a.notFound)
	r.MethodNotAllowed(a.methodNotAllowed)
	return r
}

// recoverer turns a panic in a page into a logged 500, for net/http
// routers. The session middleware inside it has already seen the panic and
// saved nothing.
func (a *app) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(v)
				}
				a.internal(w, "a page panicked", fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}
