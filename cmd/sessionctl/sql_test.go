package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/session2/session2/stores/mysqlstore"
)

// sqlFixture runs sessionctl on a table of its own in the database named
// by the environment variable env, dropping the table afterwards. It skips
// the test, naming the variable, when that is not set.
func sqlFixture(t *testing.T, env, driver string) *fixture {
	t.Helper()
	u := envURL(t, env, driver)
	plain := u.String() // the database's own URL, before the store's options
	var b [5]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	table := "sessionctl_" + hex.EncodeToString(b[:])
	q := u.Query()
	q.Set("table", table)
	q.Set("sweep", "0")
	u.RawQuery = q.Encode()

	driverDSN, err := plain, error(nil)
	if driver == "mysql" {
		if driverDSN, err = mysqlstore.DSN(&url.URL{Scheme: "mysql", User: u.User, Host: u.Host, Path: u.Path}); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		db, err := sql.Open(driver, driverDSN)
		if err != nil {
			t.Errorf("cleanup: %v", err)
			return
		}
		defer db.Close()
		for _, name := range []string{table, table + "_schema"} {
			if _, err := db.ExecContext(context.Background(), "DROP TABLE IF EXISTS "+name); err != nil {
				t.Errorf("cleanup: drop %s: %v", name, err)
			}
		}
	})
	return urlFixture(t, u.String())
}

// A SQL store whose table was never created is reported with the command
// that creates it, and left alone.
func TestSQLWithoutSetup(t *testing.T) {
	for _, db := range []struct{ env, driver string }{
		{"SESSION2_POSTGRES_DSN", "postgres"}, {"SESSION2_MYSQL_DSN", "mysql"},
	} {
		t.Run(db.driver, func(t *testing.T) {
			u := envURL(t, db.env, db.driver)
			q := u.Query()
			q.Set("table", "sessionctl_never_created")
			u.RawQuery = q.Encode()
			for _, cmd := range []string{"ls", "stats", "gc"} {
				r := runApp(t, testApp(), "-store", u.String(), cmd)
				wantCode(t, r, exitFailure)
				oneErrorLine(t, r.stderr, "run: sessionctl -store '"+u.Redacted()+"' setup")
			}
		})
	}
}

// envURL returns the store URL for the database named by the environment
// variable env, skipping the test, naming the variable, when it is unset.
// The variable holds a store URL (postgres://…, mysql://…) or, for MySQL,
// the driver's own DSN (user:pass@tcp(host:port)/db), turned into a URL.
func envURL(t *testing.T, env, driver string) *url.URL {
	t.Helper()
	dsn := os.Getenv(env)
	if dsn == "" {
		t.Skipf("set %s to test against %s", env, driver)
	}
	if driver == "mysql" && !strings.HasPrefix(dsn, "mysql://") {
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			t.Fatalf("%s: %v", env, err)
		}
		u := &url.URL{Scheme: "mysql", Host: cfg.Addr, Path: "/" + cfg.DBName}
		if cfg.Passwd != "" {
			u.User = url.UserPassword(cfg.User, cfg.Passwd)
		} else {
			u.User = url.User(cfg.User)
		}
		return u
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("%s: %v", env, err)
	}
	return u
}
