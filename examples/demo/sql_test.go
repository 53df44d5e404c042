package main

import (
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

// postgresStoreURL returns a postgres:// store URL on the database of
// SESSION2_POSTGRES_DSN (a postgres:// URL), with a table of the test's
// own that is dropped when the test ends. It skips the test when the
// variable is unset.
func postgresStoreURL(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv("SESSION2_POSTGRES_DSN")
	if dsn == "" {
		tb.Skip("SESSION2_POSTGRES_DSN is unset (for example postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		tb.Fatalf("SESSION2_POSTGRES_DSN must be a postgres:// URL")
	}
	table := dropTableLater(tb, "postgres", dsn)
	q := u.Query()
	q.Set("table", table)
	u.RawQuery = q.Encode()
	return u.String()
}

// mysqlStoreURL returns a mysql:// store URL on the database of
// SESSION2_MYSQL_DSN (a mysql:// URL or a go-sql-driver/mysql DSN such as
// root@tcp(127.0.0.1:3306)/test), with a table of the test's own that is
// dropped when the test ends. It skips the test when the variable is unset.
func mysqlStoreURL(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv("SESSION2_MYSQL_DSN")
	if dsn == "" {
		tb.Skip("SESSION2_MYSQL_DSN is unset (for example root@tcp(127.0.0.1:3306)/test)")
	}
	var u *url.URL
	if strings.HasPrefix(dsn, "mysql://") {
		var err error
		if u, err = url.Parse(dsn); err != nil {
			tb.Fatalf("SESSION2_MYSQL_DSN: not a URL")
		}
		if dsn, err = mysqlstore.DSN(u); err != nil {
			tb.Fatalf("SESSION2_MYSQL_DSN: %v", err)
		}
	} else {
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			tb.Fatalf("SESSION2_MYSQL_DSN: %v", err)
		}
		if cfg.Net != "tcp" {
			tb.Fatalf("SESSION2_MYSQL_DSN: only tcp addresses are supported here, not %q", cfg.Net)
		}
		u = &url.URL{Scheme: "mysql", Host: cfg.Addr, Path: "/" + cfg.DBName}
		if cfg.User != "" {
			u.User = url.UserPassword(cfg.User, cfg.Passwd)
			if cfg.Passwd == "" {
				u.User = url.User(cfg.User)
			}
		}
	}
	table := dropTableLater(tb, "mysql", dsn)
	q := u.Query()
	q.Set("table", table)
	u.RawQuery = q.Encode()
	return u.String()
}

// dropTableLater picks a random table name and drops that table, and the
// schema-version table named after it, when the test ends.
func dropTableLater(tb testing.TB, driver, dsn string) string {
	tb.Helper()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatal(err)
	}
	table := "s2demo_" + hex.EncodeToString(b[:])
	tb.Cleanup(func() {
		db, err := sql.Open(driver, dsn)
		if err != nil {
			tb.Errorf("drop %s: %v", table, err)
			return
		}
		defer db.Close()
		for _, t := range []string{table, table + "_schema"} {
			if _, err := db.Exec("DROP TABLE IF EXISTS " + t); err != nil {
				tb.Errorf("drop %s: %v", t, err)
			}
		}
	})
	return table
}
