package mysqlstore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/mysqlstore"
	"github.com/session2/session2/stores/sqlstore/sqlstoretest"
)

// Open's handle serves the store and the application alike: the
// application's own statements on it keep the driver's behaviour,
// whatever deadline a store's call set before them on the same
// connection; a DSN whose timeouts would replace the store's deadlines is
// refused.
func TestOpen(t *testing.T) {
	cfg := serverConfig(t)
	read, write := cfg.Clone(), cfg.Clone()
	read.ReadTimeout, write.WriteTimeout = 5*time.Second, 5*time.Second
	for _, dsn := range []string{read.FormatDSN(), write.FormatDSN()} {
		if _, err := mysqlstore.Open(dsn); !errors.Is(err, session.ErrInvalidConfig) {
			t.Errorf("Open(%q): %v, want ErrInvalidConfig", dsn, err)
		}
	}
	if _, err := mysqlstore.Open("not a dsn"); err == nil {
		t.Error("Open of a malformed DSN succeeded")
	}
	db, err := mysqlstore.Open(cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if db.Driver() != mysqlstore.Driver() {
		t.Fatal("Open's handle is not on Driver")
	}
	sqlstoretest.CheckSharedHandle(t, db, mysqlstore.Dialect(), func(s string) string {
		return "SELECT 1 FROM (SELECT SLEEP(" + s + ")) AS s"
	})
}
