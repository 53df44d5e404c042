package main

// The SQL stores import no driver: the demo picks the drivers and
// registers the postgres://, postgresql:// and mysql:// schemes with them.
import (
	_ "github.com/go-sql-driver/mysql"
	_ "github.com/lib/pq"

	"github.com/session2/session2/stores/mysqlstore"
	"github.com/session2/session2/stores/postgresstore"
)

func init() {
	postgresstore.Register("postgres")
	mysqlstore.Register("mysql")
}
