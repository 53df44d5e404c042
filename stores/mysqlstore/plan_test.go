package mysqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/mysqlstore"
	"github.com/session2/session2/stores/sqlstore"
	"github.com/session2/session2/stores/sqlstore/sqlstoretest"
)

// TestSweepPlan checks that an expiry Prune (what the sweeper runs) is
// answered through the expires index, never by a full scan of the
// sessions table ("type: ALL"), on a table of 20,000 rows with 40% of them
// expired, and again once those are gone. It runs EXPLAIN on the DELETE
// statements the store itself executed, with their arguments.
func TestSweepPlan(t *testing.T) {
	cfg := serverConfig(t)
	ctx := context.Background()
	rec := &sqlstoretest.Counter{} // remembers the statements the store runs
	db := sql.OpenDB(rec.Connector(&mysql.MySQLDriver{}, cfg.FormatDSN()))
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(8)
	table := fmt.Sprintf("s2t_plan_%d", time.Now().UnixNano()%1e9)
	s, err := mysqlstore.New(db, sqlstore.WithTable(table), sqlstore.WithSweepInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		db.Exec("DROP TABLE IF EXISTS " + table)
		db.Exec("DROP TABLE IF EXISTS " + table + "_schema")
	})
	if err := s.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	const rows = 20000
	now := time.Now().UTC().Truncate(time.Microsecond)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < rows; i += 8 {
				r := session.Record{User: fmt.Sprint("user", i%100), Data: []byte{0}, Created: now, Accessed: now, Expires: now.Add(24 * time.Hour)}
				if i%10 < 4 {
					r.Expires = now.Add(-time.Hour)
				}
				if err := s.Save(ctx, fmt.Sprintf("%064x", i+1), r); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("ANALYZE TABLE " + table); err != nil {
		t.Fatal(err)
	}

	explainCfg := cfg.Clone()
	explainCfg.InterpolateParams = true
	explain, err := sql.Open("mysql", explainCfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { explain.Close() })

	for _, c := range []struct {
		name string
		f    session.Filter
		want int
	}{
		{"expired", session.Filter{ExpiresBefore: time.Now()}, rows * 4 / 10},
		{"nothing expired", session.Filter{ExpiresBefore: time.Now()}, 0},
		{"expired and idle", session.Filter{ExpiresBefore: time.Now(), AccessedBefore: time.Now().Add(-time.Hour)}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec.Forget()
			n, err := s.Prune(ctx, c.f)
			if err != nil || n != c.want {
				t.Fatalf("Prune = %d, %v; want %d", n, err, c.want)
			}
			q, args := rec.Last("DELETE")
			if q == "" {
				t.Fatal("Prune ran no DELETE")
			}
			seen := false
			for _, p := range explainRows(t, explain, q, args) {
				if p["table"] != table {
					continue
				}
				seen = true
				t.Logf("type %s, key %s, rows %s, extra %s", p["type"], p["key"], p["rows"], p["Extra"])
				if p["type"] == "ALL" {
					t.Errorf("the plan of\n%s\nscans %s whole: %v", q, table, p)
				}
				if !strings.Contains(p["key"], "expires") {
					t.Errorf("the plan of\n%s\ndoes not use the expires index: %v", q, p)
				}
			}
			if !seen {
				t.Errorf("EXPLAIN of\n%s\nnames no row of table %s", q, table)
			}
		})
	}
}

// explainRows runs EXPLAIN on q and returns its rows as column maps.
func explainRows(t *testing.T, db *sql.DB, q string, args []any) []map[string]string {
	t.Helper()
	rows, err := db.Query("EXPLAIN "+q, args...)
	if err != nil {
		t.Fatalf("EXPLAIN %s: %v", q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		m := make(map[string]string, len(cols))
		for i, c := range cols {
			m[c] = vals[i].String
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("EXPLAIN %s returned no rows", q)
	}
	return out
}
