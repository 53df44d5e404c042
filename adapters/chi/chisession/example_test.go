package chisession_test

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

// Cart is an application's own session type: its exported fields are saved.
type Cart struct {
	Items []string
}

func Example() {
	store := memstore.New()
	defer store.Close()
	mgr, err := session.New[Cart](store, session.WithExpiry(session.Expiry{Idle: 30 * time.Minute}))
	if err != nil {
		log.Fatal(err)
	}

	r := chi.NewRouter()
	r.Use(chisession.Middleware(mgr))
	r.Post("/cart/{item}", func(w http.ResponseWriter, r *http.Request) {
		cart := chisession.Get[Cart](r).Data()
		cart.Items = append(cart.Items, chi.URLParam(r, "item"))
		fmt.Fprintf(w, "%d items\n", len(cart.Items))
	})
	r.With(chisession.RequireUser[Cart]("/login")).Get("/checkout", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "checking out for %s\n", chisession.Get[Cart](r).User())
	})

	_ = http.ListenAndServe("localhost:8080", r) // not run by go test: no Output
}
