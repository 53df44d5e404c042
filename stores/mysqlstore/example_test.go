package mysqlstore_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"time"

	_ "github.com/go-sql-driver/mysql" // the application chooses and imports the driver

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/mysqlstore"
	"github.com/session2/session2/stores/sqlstore"
)

// An application opens its database (through go-sql-driver/mysql, with
// the store's deadlines on the sockets), builds the store on it, creates
// the table once, and serves through the manager.
func Example() {
	db, err := mysqlstore.Open("app:secret@tcp(127.0.0.1:3306)/app?parseTime=true&clientFoundRows=true")
	if err != nil {
		log.Fatal(err)
	}
	store, err := mysqlstore.New(db, sqlstore.WithTable("sessions"))
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

// Register lets session.OpenStore open mysql:// URLs, as the demo and
// sessionctl do with their -store flag.
func ExampleRegister() {
	mysqlstore.Register("mysql") // the name github.com/go-sql-driver/mysql registers
	store, err := session.OpenStore(context.Background(), "mysql://app:secret@127.0.0.1:3306/app?table=sessions")
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
}

func ExampleDSN() {
	u, _ := url.Parse("mysql://app:secret@db.internal/app?timeout=5s")
	dsn, _ := mysqlstore.DSN(u)
	fmt.Println(dsn)
	// Output: app:secret@tcp(db.internal:3306)/app?clientFoundRows=true&loc=UTC&parseTime=true&timeout=5s
}
