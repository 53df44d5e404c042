// Command minimal is the smallest session2 app: a per-visitor counter on
// chi with sessions in memory.
//
//	go run ./examples/minimal
//	curl -c jar -b jar localhost:8081/   # Counter: 1, 2, 3, ...
package main

import (
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/session2/session2/adapters/chi/chisession"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/memstore"
)

func main() {
	store := memstore.New()
	defer store.Close()
	mgr, err := session.New[session.Map](store, session.WithExpiry(session.Expiry{Idle: 30 * time.Minute}))
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Addr: "localhost:8081", Handler: router(mgr), ReadHeaderTimeout: 10 * time.Second}
	log.Println("listening on http://localhost:8081/")
	log.Fatal(srv.ListenAndServe())
}

// router counts each visitor's requests in their session.
func router(mgr *session.Manager[session.Map]) http.Handler {
	r := chi.NewRouter()
	r.Use(chisession.Middleware(mgr))
	r.Get("/", func(w http.ResponseWriter, r *http.Request) {
		s := chisession.Get[session.Map](r)
		n, _ := s.Data().GetInt("counter")
		s.Data().Set("counter", n+1)
		fmt.Fprintf(w, "Counter: %d\n", n+1)
	})
	return r
}
