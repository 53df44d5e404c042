//go:build unix && !aix && (!solaris || illumos)

package filestore_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/filestore"
)

// A manager over a file store: sessions survive restarts, and every
// process of the application on this host may open the same directory.
func Example() {
	dir := filepath.Join(os.TempDir(), "myapp-sessions")
	store, err := filestore.New(dir, filestore.WithSweepInterval(5*time.Minute))
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
		s := mgr.Get(r)
		_ = s // read and change the session here
	})
	_ = http.Handler(mgr.Handler(mux)) // pass to http.ListenAndServe
}

// Opening the store from a URL, as the demo and sessionctl do.
func Example_openStore() {
	dir, err := os.MkdirTemp("", "filestore-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	store, err := session.OpenStore(context.Background(), "file:"+dir+"/sessions?sweep=10m&lock_timeout=2s")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()
	fmt.Printf("%+v\n", store.Capabilities())
	// Output:
	// {Goroutines:true Processes:true Durable:true Shared:false}
}
