package scale

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"time"

	_ "github.com/lib/pq" // PostgreSQL's driver
	"go.etcd.io/bbolt"

	"github.com/session2/session2/bench/internal/servers"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/boltstore"
	"github.com/session2/session2/stores/filestore"
	"github.com/session2/session2/stores/memstore"
	s2mysql "github.com/session2/session2/stores/mysqlstore"
	s2pg "github.com/session2/session2/stores/postgresstore"
	"github.com/session2/session2/stores/sqlstore"
)

// Stores are the stores Run knows, in the order cmd/scale runs them.
var Stores = []string{"memory", "bolt", "file", "postgres", "mysql", "redis"}

// handles are what a run works through.
type handles struct {
	fill   session.Store                 // the store the records are written through (it may skip fsyncs)
	reopen func() (session.Store, error) // the store on the same data, for the timings
	disk   func() (int64, error)         // bytes on disk, or nil
	// purge, when not nil, waits for the database to finish the work a
	// mass delete leaves behind (dead index entries), so that a sweep
	// pass can be timed with and without it.
	purge func() error
	// noSweeper: the store expires records by itself and runs no sweep
	// (Redis), so no idle sweep pass is timed.
	noSweeper bool
	// close closes what the run opened and removes its data; it runs
	// however the run ends.
	close func()
}

// open opens store for a run, with the file and bolt stores in a new
// directory under cfg.Dir (the system's temporary directory when empty).
func open(store string, cfg Config) (*handles, error) {
	switch store {
	case "memory":
		s := memstore.New(memstore.WithSweepInterval(0))
		return &handles{fill: s, reopen: func() (session.Store, error) { return s, nil }, close: func() { s.Close() }}, nil
	case "bolt", "file":
		d, err := os.MkdirTemp(cfg.Dir, "scale-")
		if err != nil {
			return nil, err
		}
		open := openBolt
		if store == "file" {
			open = openFile
		}
		h, err := open(d)
		if err != nil {
			os.RemoveAll(d)
			return nil, err
		}
		closeStore := h.close
		h.close = func() { closeStore(); os.RemoveAll(d) }
		return h, nil
	case "postgres":
		return openPostgres()
	case "mysql":
		return openMySQL(cfg.logf)
	case "redis":
		return openRedis(cfg.logf)
	}
	return nil, fmt.Errorf("scale: unknown store %q (known: memory, bolt, file, postgres, mysql, redis)", store)
}

// openBolt fills through a bbolt handle opened with NoSync (the records
// are the same on disk, written faster), then reopens the file with
// boltstore.Open's own settings for the timings.
func openBolt(dir string) (*handles, error) {
	path := filepath.Join(dir, "scale.db")
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{NoSync: true, NoFreelistSync: true, FreelistType: bbolt.FreelistMapType})
	if err != nil {
		return nil, err
	}
	fill, err := boltstore.New(db, boltstore.WithSweepInterval(0))
	if err != nil {
		db.Close()
		return nil, err
	}
	var measured *boltstore.Store
	h := &handles{fill: fill, disk: func() (int64, error) { return diskUsage(path) }}
	h.close = func() {
		fill.Close()
		db.Close()
		if measured != nil {
			measured.Close()
		}
	}
	h.reopen = func() (session.Store, error) {
		fill.Close()
		if err := db.Close(); err != nil {
			return nil, err
		}
		measured, err = boltstore.Open(path, boltstore.WithSweepInterval(0))
		return measured, err
	}
	return h, nil
}

func openFile(dir string) (*handles, error) {
	dir = filepath.Join(dir, "sessions")
	s, err := filestore.New(dir, filestore.WithSweepInterval(0))
	if err != nil {
		return nil, err
	}
	return &handles{
		fill: s, reopen: func() (session.Store, error) { return s, nil },
		disk:  func() (int64, error) { return diskUsage(dir) },
		close: func() { s.Close() },
	}, nil
}

// sqlStore is what a run needs of postgresstore and mysqlstore.
type sqlStore interface {
	session.Store
	Setup(context.Context) error
	Close() error
}

// sqlTable gives db a pool of 16 connections, opens the store newStore
// makes on a table of the run's own and sets it up. The handles' close
// closes the store and the pool and drops the table.
func sqlTable(db *sql.DB, newStore func(table string) (sqlStore, error)) (string, *handles, error) {
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	table := "s2scale_" + servers.Unique()
	s, err := newStore(table)
	if err != nil {
		db.Close()
		return "", nil, err
	}
	h := &handles{fill: s, close: func() {
		s.Close()
		db.Exec("DROP TABLE IF EXISTS " + table)
		db.Exec("DROP TABLE IF EXISTS " + table + "_schema")
		db.Close()
	}}
	if err := s.Setup(context.Background()); err != nil {
		h.close()
		return "", nil, err
	}
	return table, h, nil
}

func openPostgres() (*handles, error) {
	dsn, err := servers.PostgresDSN()
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return nil, err
	}
	table, h, err := sqlTable(db, func(table string) (sqlStore, error) {
		return s2pg.New(db, sqlstore.WithTable(table), sqlstore.WithSweepInterval(0))
	})
	if err != nil {
		return nil, err
	}
	h.reopen = func() (session.Store, error) {
		_, err := db.Exec("VACUUM ANALYZE " + table)
		return h.fill, err
	}
	// VACUUM removes the deleted rows' index entries, which autovacuum
	// would reach in its own time.
	h.purge = func() error {
		_, err := db.Exec("VACUUM " + table)
		return err
	}
	return h, nil
}

func openMySQL(logf func(string, ...any)) (*handles, error) {
	cfg, err := servers.MySQLConfig()
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return nil, err
	}
	table, h, err := sqlTable(db, func(table string) (sqlStore, error) {
		return s2mysql.New(db, sqlstore.WithTable(table), sqlstore.WithSweepInterval(0))
	})
	if err != nil {
		return nil, err
	}
	h.reopen = func() (session.Store, error) {
		_, err := db.Exec("ANALYZE TABLE " + table)
		return h.fill, err
	}
	h.purge = func() error { return waitPurge(db, logf) }
	return h, nil
}

// waitPurge waits (up to two minutes, then says so and returns) until
// InnoDB's purge thread, which removes deleted rows' index entries in the
// background, has its history list about empty.
func waitPurge(db *sql.DB, logf func(string, ...any)) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var name string
		var n int64
		if err := db.QueryRow("SHOW GLOBAL STATUS LIKE 'Innodb_history_list_length'").Scan(&name, &n); err != nil {
			return err
		}
		if n < 16 {
			return nil
		}
		if time.Now().After(deadline) {
			logf("InnoDB history list still %d long after two minutes", n)
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
}
