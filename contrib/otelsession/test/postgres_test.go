package test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"testing"

	_ "github.com/lib/pq"
	"go.opentelemetry.io/otel/trace"

	"github.com/session2/session2/conformance"
	"github.com/session2/session2/contrib/otelsession"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/postgresstore"
	"github.com/session2/session2/stores/sqlstore"
)

const postgresVar = "SESSION2_POSTGRES_DSN"

// newPostgres returns a PostgreSQL store on a table of its own, dropped
// when the test ends, behind WrapStore with tel's providers.
func newPostgres(t *testing.T, tel *telemetry) session.Store {
	t.Helper()
	dsn := os.Getenv(postgresVar)
	if dsn == "" {
		t.Skip(postgresVar + " is not set: no PostgreSQL to test against")
	}
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	table := "otelsession_" + hex.EncodeToString(b[:])
	ps, err := postgresstore.New(db, sqlstore.WithTable(table), sqlstore.WithSweepInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ps.Close()
		n := ps.Names()
		for _, tbl := range []string{n.Table, n.Versions} {
			if _, err := db.Exec("DROP TABLE IF EXISTS " + tbl); err != nil {
				t.Errorf("drop %s: %v", tbl, err)
			}
		}
	})
	var opts []otelsession.Option
	if tel != nil {
		opts = tel.options()
	}
	s := otelsession.WrapStore(ps, opts...)
	if err := s.Setup(context.Background()); err != nil {
		t.Fatalf("setup: %v", err)
	}
	return s
}

// The wrapper keeps the contract on PostgreSQL too.
func TestPostgresConformance(t *testing.T) {
	newStore := func(t *testing.T) session.Store { return newPostgres(t, nil) }
	t.Run("Store", func(t *testing.T) { conformance.TestStore(t, newStore) })
	t.Run("Adapter", func(t *testing.T) { conformance.TestAdapterOn(t, newStore, conformance.NetHTTP) })
}

// A PostgreSQL store is told apart from the other SQL stores: its spans
// are client spans with db.system postgresql.
func TestPostgresDBSystem(t *testing.T) {
	tel := newTelemetry(t)
	s := newPostgres(t, tel)
	if _, err := s.Load(context.Background(), conformanceKey()); err == nil {
		t.Fatal("load of a random key found a record")
	}
	spans := tel.takeSpans()
	if len(spans) != 2 {
		t.Fatalf("spans %q, want setup and load", summary(spans))
	}
	for _, sp := range spans {
		if got := attr(sp.Attributes, otelsession.DBSystemKey); got != "postgresql" {
			t.Errorf("%s: db.system %q, want postgresql", sp.Name, got)
		}
		if got := attr(sp.Attributes, otelsession.DBSystemNameKey); got != "postgresql" {
			t.Errorf("%s: db.system.name %q, want postgresql", sp.Name, got)
		}
		if got := attr(sp.Attributes, otelsession.StoreKindKey); got != "postgresstore" {
			t.Errorf("%s: store kind %q, want postgresstore", sp.Name, got)
		}
		if sp.SpanKind != trace.SpanKindClient {
			t.Errorf("%s: kind %v, want client", sp.Name, sp.SpanKind)
		}
	}
	if got := summary(spans)[1]; got != "session2.store.load miss" {
		t.Errorf("load span %q, want a miss", got)
	}
	rm := tel.collect(t)
	if n := observations(t, rm, otelsession.DurationMetric, map[string]string{"db.system": "postgresql", "session2.store.outcome": "miss"}); n != 1 {
		t.Errorf("misses on postgresql = %d, want 1", n)
	}
}

// conformanceKey is a random store key.
func conformanceKey() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
