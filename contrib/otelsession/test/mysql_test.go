package test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"testing"

	_ "github.com/go-sql-driver/mysql"
	"go.opentelemetry.io/otel/trace"

	"github.com/session2/session2/contrib/otelsession"
	"github.com/session2/session2/stores/mysqlstore"
	"github.com/session2/session2/stores/sqlstore"
)

const mysqlVar = "SESSION2_MYSQL_DSN"

// A MySQL store is told apart from a PostgreSQL one by its handle's
// driver: db.system mysql (MariaDB too, which the driver cannot tell:
// WithDBSystem("mariadb") says so).
func TestMySQLDBSystem(t *testing.T) {
	dsn := os.Getenv(mysqlVar)
	if dsn == "" {
		t.Skip(mysqlVar + " is not set: no MySQL or MariaDB to test against")
	}
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	ms, err := mysqlstore.New(db, sqlstore.WithTable("otelsession_"+hex.EncodeToString(b[:])), sqlstore.WithSweepInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ms.Close()
		n := ms.Names()
		for _, tbl := range []string{n.Table, n.Versions} {
			if _, err := db.Exec("DROP TABLE IF EXISTS " + tbl); err != nil {
				t.Errorf("drop %s: %v", tbl, err)
			}
		}
	})
	tel := newTelemetry(t)
	s := otelsession.WrapStore(ms, tel.options()...)
	ctx := context.Background()
	if err := s.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(ctx, conformanceKey()); err == nil {
		t.Fatal("load of a random key found a record")
	}
	spans := tel.takeSpans()
	if got := summary(spans); len(got) != 2 || got[1] != "session2.store.load miss" {
		t.Fatalf("spans %q, want setup and a load miss", got)
	}
	for _, sp := range spans {
		if got := attr(sp.Attributes, otelsession.DBSystemKey); got != "mysql" {
			t.Errorf("%s: db.system %q, want mysql", sp.Name, got)
		}
		if got := attr(sp.Attributes, otelsession.StoreKindKey); got != "mysqlstore" {
			t.Errorf("%s: store kind %q, want mysqlstore", sp.Name, got)
		}
		if sp.SpanKind != trace.SpanKindClient {
			t.Errorf("%s: kind %v, want client", sp.Name, sp.SpanKind)
		}
	}
}
