package tput

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/alexedwards/scs/postgresstore"
	scsmem "github.com/alexedwards/scs/v2/memstore"
	_ "github.com/lib/pq" // the PostgreSQL driver of both contenders

	"github.com/session2/session2/bench/internal/servers"
	"github.com/session2/session2/stores/memstore"
	s2pg "github.com/session2/session2/stores/postgresstore"
	"github.com/session2/session2/stores/sqlstore"
)

// The stores and libraries Build knows.
var (
	Stores = []string{"memory", "postgres"}
	Libs   = []string{"none", "session2", "scs"}
)

// Build returns lib's handler ("none" for Bare, "session2" or "scs") on a
// fresh store of its own ("memory" or "postgres"), and a function that
// closes the store and drops its table. PostgreSQL is the server
// SESSION2_POSTGRES_DSN names (an error wrapping servers.ErrNotSet when
// unset), with a pool of 16 connections for each contender.
func Build(store, lib string) (http.Handler, func(), error) {
	if !slices.Contains(Libs, lib) {
		return nil, nil, fmt.Errorf("tput: unknown library %q (known: none, session2, scs)", lib)
	}
	if lib == "none" {
		return Bare(), func() {}, nil
	}
	switch store {
	case "memory":
		if lib == "session2" {
			s := memstore.New()
			h, err := Session2(s)
			if err != nil {
				s.Close()
				return nil, nil, err
			}
			return h, func() { s.Close() }, nil
		}
		// No cleanup goroutine: scs's StopCleanup races with the
		// goroutine's start (a data race inside scs v2.9.0's memstore
		// that -race reports when a run is short), and the runs are far
		// shorter than its one-minute interval.
		return SCS(scsmem.NewWithCleanupInterval(0)), func() {}, nil
	case "postgres":
		return buildPostgres(lib)
	}
	return nil, nil, fmt.Errorf("tput: unknown store %q (known: memory, postgres)", store)
}

// buildPostgres is Build on PostgreSQL, in a table of the run's own.
func buildPostgres(lib string) (http.Handler, func(), error) {
	dsn, err := servers.PostgresDSN()
	if err != nil {
		return nil, nil, err
	}
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return nil, nil, err
	}
	// The same pool for both, small enough for a shared server's
	// max_connections.
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	if lib == "session2" {
		table := "s2tput_" + servers.Unique()
		s, err := s2pg.New(db, sqlstore.WithTable(table), sqlstore.WithSweepInterval(0))
		if err != nil {
			db.Close()
			return nil, nil, err
		}
		cleanup := func() {
			s.Close()
			db.Exec("DROP TABLE IF EXISTS " + table)
			db.Exec("DROP TABLE IF EXISTS " + table + "_schema")
			db.Close()
		}
		if err := s.Setup(context.Background()); err != nil {
			cleanup()
			return nil, nil, err
		}
		h, err := Session2(s)
		if err != nil {
			cleanup()
			return nil, nil, err
		}
		return h, cleanup, nil
	}
	table := "scstput_" + servers.Unique()
	cleanup := func() {
		db.Exec("DROP TABLE IF EXISTS " + table)
		db.Close()
	}
	for _, q := range []string{
		"CREATE TABLE " + table + " (token TEXT PRIMARY KEY, data BYTEA NOT NULL, expiry TIMESTAMPTZ NOT NULL)",
		"CREATE INDEX " + table + "_expiry_idx ON " + table + " (expiry)",
	} {
		if _, err := db.Exec(q); err != nil {
			cleanup()
			return nil, nil, errors.Join(fmt.Errorf("tput: %s", q), err)
		}
	}
	return SCS(postgresstore.NewWithConfig(db, postgresstore.Config{TableName: table, CleanUpInterval: 0})), cleanup, nil
}
