// Command faultserver is the fault suite's application in a process of
// its own, for the crash scenario: it opens the store at -store, sets it
// up, prints "listening URL" on its standard output and serves the
// suite's handler until killed.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/lib/pq"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/faults"
	_ "github.com/session2/session2/stores/boltstore"
	_ "github.com/session2/session2/stores/filestore"
	"github.com/session2/session2/stores/mysqlstore"
	"github.com/session2/session2/stores/postgresstore"
)

func main() {
	storeURL := flag.String("store", "", "session store URL")
	flag.Parse()
	if err := run(*storeURL); err != nil {
		fmt.Fprintln(os.Stderr, "faultserver:", err)
		os.Exit(1)
	}
}

func run(storeURL string) error {
	postgresstore.Register("postgres")
	mysqlstore.Register("mysql")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	store, err := session.OpenStore(ctx, storeURL)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Setup(ctx); err != nil {
		return err
	}
	mgr, err := faults.NewManager(store)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Printf("listening http://%s\n", ln.Addr())
	srv := &http.Server{Handler: faults.NewHandler(mgr), ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(ln)
}
