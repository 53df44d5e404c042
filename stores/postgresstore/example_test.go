package postgresstore_test

import (
	"context"
	"log"
	"net/http"
	"time"

	_ "github.com/lib/pq" // the application chooses and imports the driver

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/postgresstore"
	"github.com/session2/session2/stores/sqlstore"
)

// An application opens its database (through lib/pq, with the store's
// deadlines on the sockets), builds the store on it, creates the table
// once, and serves through the manager.
func Example() {
	db, err := postgresstore.Open("postgres://app@127.0.0.1:5432/app?sslmode=disable")
	if err != nil {
		log.Fatal(err)
	}
	store, err := postgresstore.New(db, sqlstore.WithTable("sessions"))
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	if err := store.Setup(context.Background()); err != nil {
		log.Fatal(err)
	}
	mgr, err := session.New[session.Map](store, session.WithExpiry(session.Expiry{Idle: 30 * time.Minute}))
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s := mgr.Get(r)
		n, _ := s.Data().GetInt("visits")
		s.Data().Set("visits", n+1)
	})
	log.Fatal(http.ListenAndServe(":8080", mgr.Handler(mux)))
}

// Register lets session.OpenStore open postgres:// URLs, as the demo and
// sessionctl do with their -store flag.
func ExampleRegister() {
	postgresstore.Register("postgres") // the name github.com/lib/pq registers
	store, err := session.OpenStore(context.Background(), "postgres://app@127.0.0.1/app?sslmode=disable&table=sessions")
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
}
