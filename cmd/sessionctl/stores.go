package main

// The stores sessionctl can open, each registering its URL scheme. The
// SQL stores import no driver: sessionctl imports one for each and
// registers the stores' schemes with it.
import (
	_ "github.com/go-sql-driver/mysql"
	_ "github.com/lib/pq"
	_ "github.com/session2/session2/stores/boltstore"
	_ "github.com/session2/session2/stores/filestore"
	_ "github.com/session2/session2/stores/memstore"
	"github.com/session2/session2/stores/mysqlstore"
	"github.com/session2/session2/stores/postgresstore"
)

func init() {
	postgresstore.Register("postgres") // postgres:// and postgresql://
	mysqlstore.Register("mysql")       // mysql://
}
