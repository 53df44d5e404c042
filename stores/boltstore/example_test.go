package boltstore_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/boltstore"
	"go.etcd.io/bbolt"
)

// A store that opens its own file, behind the core middleware.
func Example() {
	dir, err := os.MkdirTemp("", "boltstore-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	store, err := boltstore.Open(filepath.Join(dir, "sessions.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	mgr, err := session.New[session.Map](store, session.WithExpiry(session.Expiry{Idle: 30 * time.Minute}))
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello "+mgr.Get(r).User())
	})
	_ = mgr.Handler(mux) // http.ListenAndServe(":8080", mgr.Handler(mux))

	fmt.Printf("%+v\n", store.Capabilities())
	// Output: {Goroutines:true Processes:false Durable:true Shared:false}
}

// A store in a bbolt database the application already has open, beside
// its own buckets.
func ExampleNew() {
	dir, err := os.MkdirTemp("", "boltstore-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	db, err := bbolt.Open(filepath.Join(dir, "app.db"), 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close() // the store's Close leaves the handle open

	store, err := boltstore.New(db, boltstore.WithBucket("web-sessions"), boltstore.WithSweepInterval(5*time.Minute))
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	fmt.Println(store.DB() == db)
	// Output: true
}

// Logging a user out everywhere: Prune reads only that user's index
// entries.
func ExampleStore_Prune() {
	dir, err := os.MkdirTemp("", "boltstore-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	store, err := boltstore.Open(filepath.Join(dir, "sessions.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	ctx := context.Background()
	now := time.Now()
	for i, user := range []string{"alice", "bob", "alice"} {
		key := fmt.Sprintf("%064x", i+1)
		rec := session.Record{User: user, Data: []byte("{}"), Created: now, Accessed: now, Expires: now.Add(time.Hour)}
		if err := store.Save(ctx, key, rec); err != nil {
			log.Fatal(err)
		}
	}
	n, err := store.Prune(ctx, session.Filter{User: "alice"})
	fmt.Println(n, err)
	// Output: 2 <nil>
}
