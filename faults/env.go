package faults

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
	_ "github.com/lib/pq" // the PostgreSQL driver of the suite
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/mysqlstore"
	"github.com/session2/session2/stores/postgresstore"
	"github.com/session2/session2/stores/sqlstore"
)

func init() {
	// The driver logs every connection the faults break.
	_ = mysql.SetLogger(quietLogger{})
}

type quietLogger struct{}

func (quietLogger) Print(...any) {}

// Env is what the scenarios run against.
type Env struct {
	// PostgresDSN and MySQLDSN reach the shared servers, as the variables
	// SESSION2_POSTGRES_DSN and SESSION2_MYSQL_DSN give them; empty skips
	// the scenarios that need them. The suite only creates and drops its
	// own tables there: it restarts private servers, never these.
	PostgresDSN, MySQLDSN string
	// Dir is a directory for files, private servers and mounts.
	Dir string
	// Logf reports progress; nil is silent.
	Logf func(format string, args ...any)
}

// EnvFromEnvironment returns an Env from the environment variables, with
// files under dir.
func EnvFromEnvironment(dir string) Env {
	return Env{PostgresDSN: os.Getenv("SESSION2_POSTGRES_DSN"), MySQLDSN: os.Getenv("SESSION2_MYSQL_DSN"), Dir: dir}
}

func (e Env) logf(format string, args ...any) {
	if e.Logf != nil {
		e.Logf(format, args...)
	}
}

// The SQL stores of the suite.
const (
	Postgres = "postgres"
	MariaDB  = "mariadb"
)

// dsn returns the shared server's DSN for kind, or ErrSkip naming the
// variable.
func (e Env) dsn(kind string) (string, error) {
	switch kind {
	case Postgres:
		if e.PostgresDSN == "" {
			return "", fmt.Errorf("%w: SESSION2_POSTGRES_DSN is not set", ErrSkip)
		}
		return e.PostgresDSN, nil
	case MariaDB:
		if e.MySQLDSN == "" {
			return "", fmt.Errorf("%w: SESSION2_MYSQL_DSN is not set", ErrSkip)
		}
		return e.MySQLDSN, nil
	}
	return "", fmt.Errorf("faults: unknown SQL store %q", kind)
}

// dsnAddr returns the host:port of a DSN of kind.
func dsnAddr(kind, dsn string) (string, error) {
	if kind == Postgres {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", err
		}
		if u.Port() == "" {
			return net.JoinHostPort(u.Hostname(), "5432"), nil
		}
		return u.Host, nil
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "", err
	}
	return cfg.Addr, nil
}

// dsnAt returns dsn with its address replaced by addr.
func dsnAt(kind, dsn, addr string) (string, error) {
	if kind == Postgres {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", err
		}
		u.Host = addr
		return u.String(), nil
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "", err
	}
	cfg.Addr = addr
	return cfg.FormatDSN(), nil
}

// storeURL returns the session store URL of a DSN of kind, with the
// store's table.
func storeURL(kind, dsn, table string) (string, error) {
	if kind == Postgres {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", err
		}
		q := u.Query()
		q.Set("table", table)
		q.Set("sweep", "0")
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "", err
	}
	u := url.URL{Scheme: "mysql", Host: cfg.Addr, Path: "/" + cfg.DBName, RawQuery: "sweep=0&table=" + table}
	if cfg.Passwd != "" {
		u.User = url.UserPassword(cfg.User, cfg.Passwd)
	} else {
		u.User = url.User(cfg.User)
	}
	return u.String(), nil
}

func randomTable() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "s2fault_" + hex.EncodeToString(b)
}

// sqlStore is a SQL store of the suite on a fresh table, through a
// handle the suite owns.
type sqlStore struct {
	*sqlstore.Store
	db    *sql.DB
	admin *sql.DB // direct to the server, to drop the table
	kind  string
}

// openSQL opens a store of kind on a fresh table of the database dsn
// reaches at addr (the server's own address, or a proxy's), and sets it
// up through admin, the direct link.
func openSQL(ctx context.Context, kind, dsn, addr, table string, opts ...sqlstore.Option) (*sqlStore, error) {
	at, err := dsnAt(kind, dsn, addr)
	if err != nil {
		return nil, err
	}
	// The application's handle is the one the stores' READMEs open (the
	// store's deadlines on its sockets); admin is the driver's own.
	driverName, open := "postgres", postgresstore.Open
	if kind == MariaDB {
		driverName, open = "mysql", mysqlstore.Open
	}
	db, err := open(at)
	if err != nil {
		return nil, err
	}
	admin, err := sql.Open(driverName, dsn)
	if err != nil {
		db.Close()
		return nil, err
	}
	admin.SetMaxOpenConns(2)
	db.SetMaxOpenConns(2 * Clients)
	db.SetMaxIdleConns(2 * Clients)
	opts = append([]sqlstore.Option{sqlstore.WithTable(table), sqlstore.WithSweepInterval(0), sqlstore.WithCloseTimeout(time.Second)}, opts...)
	var st *sqlstore.Store
	if kind == Postgres {
		st, err = postgresstore.New(db, opts...)
	} else {
		st, err = mysqlstore.New(db, opts...)
	}
	if err == nil {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err = st.Setup(sctx)
		cancel()
	}
	s := &sqlStore{Store: st, db: db, admin: admin, kind: kind}
	if err != nil {
		s.drop()
		return nil, err
	}
	return s, nil
}

// sibling returns another store on s's table and handle.
func (s *sqlStore) sibling(opts ...sqlstore.Option) (*sqlstore.Store, error) {
	opts = append([]sqlstore.Option{sqlstore.WithTable(s.Names().Raw), sqlstore.WithSweepInterval(0), sqlstore.WithCloseTimeout(time.Second)}, opts...)
	if s.kind == Postgres {
		return postgresstore.New(s.db, opts...)
	}
	return mysqlstore.New(s.db, opts...)
}

// drop closes the store and its handle and drops its tables.
func (s *sqlStore) drop() {
	if s.Store != nil {
		s.Store.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		for _, t := range []string{s.Names().Table, s.Names().Versions} {
			_, _ = s.admin.ExecContext(ctx, "DROP TABLE IF EXISTS "+t)
		}
		cancel()
	}
	done := make(chan struct{})
	go func() { s.db.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	s.admin.Close()
}

// server serves h on a free loopback port.
type server struct {
	srv *http.Server
	url string
}

func serve(h http.Handler) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &server{srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}, url: "http://" + ln.Addr().String()}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (s *server) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
	s.srv.Close()
}

// errorLog keeps the errors the manager's error handler saw.
type errorLog struct {
	mu   sync.Mutex
	errs []string
}

func (l *errorLog) handler(w http.ResponseWriter, r *http.Request, err error) {
	l.mu.Lock()
	if len(l.errs) < 1000 {
		l.errs = append(l.errs, err.Error())
	}
	l.mu.Unlock()
	http.Error(w, "session store unavailable", http.StatusServiceUnavailable)
}

func (l *errorLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.errs...)
}

// app is the suite's application on a store, served on loopback.
type app struct {
	srv  *server
	errs *errorLog
}

func startApp(store session.Store, opts ...session.Option) (*app, error) {
	errs := &errorLog{}
	mgr, err := NewManager(store, append([]session.Option{session.WithErrorHandler(errs.handler)}, opts...)...)
	if err != nil {
		return nil, err
	}
	srv, err := serve(NewHandler(mgr))
	if err != nil {
		return nil, err
	}
	return &app{srv: srv, errs: errs}, nil
}

// openRaw opens a database handle of kind on dsn.
func openRaw(kind, dsn string) (*sql.DB, error) {
	if kind == Postgres {
		return sql.Open("postgres", dsn)
	}
	return sql.Open("mysql", dsn)
}
