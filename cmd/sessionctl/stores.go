package main

// The stores sessionctl can open, each registering its URL scheme. The
// SQL stores import no driver: sessionctl imports one for each and
// registers the stores' schemes with it. The Redis store registers
// redis://, rediss://, redis+sentinel:// and redis+cluster:// itself.
import (
	"context"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/lib/pq"
	"github.com/redis/go-redis/v9"
	_ "github.com/session2/session2/stores/boltstore"
	_ "github.com/session2/session2/stores/filestore"
	_ "github.com/session2/session2/stores/memstore"
	"github.com/session2/session2/stores/mysqlstore"
	"github.com/session2/session2/stores/postgresstore"
	_ "github.com/session2/session2/stores/redisstore"
)

func init() {
	postgresstore.Register("postgres") // postgres:// and postgresql://
	mysqlstore.Register("mysql")       // mysql://
	// go-redis logs failed dials to stderr by itself; sessionctl reports
	// each error once, in one line.
	redis.SetLogger(quietRedis{})
}

// quietRedis is a go-redis logger that drops everything.
type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}
