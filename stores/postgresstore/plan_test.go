package postgresstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/postgresstore"
	"github.com/session2/session2/stores/sqlstore"
	"github.com/session2/session2/stores/sqlstore/sqlstoretest"
)

// TestSweepPlan checks that an expiry Prune (what the sweeper runs) is
// answered through the expires index, never by a sequential scan of the
// sessions table, on a table of 50,000 rows: right after the statistics
// were taken with 40% of the rows expired, and again once those rows are
// gone and the statistics still say otherwise (the idle sweep pass of
// issue 14, which read the whole table under a Seq Scan and a Limit that
// never filled). It runs EXPLAIN on the statements the store itself
// executed, with their arguments.
func TestSweepPlan(t *testing.T) {
	u := serverURL(t)
	ctx := context.Background()
	rec := &sqlstoretest.Counter{} // remembers the statements the store runs
	db := sql.OpenDB(rec.Connector(&pq.Driver{}, u.String()))
	t.Cleanup(func() { db.Close() })
	table := fmt.Sprintf("s2plan_%x", time.Now().UnixNano())
	s, err := postgresstore.New(db, sqlstore.WithTable(table), sqlstore.WithSweepInterval(0))
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
	const rows = 50000
	if _, err := db.Exec(`INSERT INTO `+table+` (session_key, user_name, data, created, accessed, expires, version)
SELECT md5(i::text || 'a') || md5(i::text || 'b'), 'user' || (i % 100), '\x00'::bytea, now(), now(),
       CASE WHEN i % 10 < 4 THEN now() - interval '1 hour' ELSE now() + interval '1 day' END, 1
FROM generate_series(1, $1) AS i`, rows); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("ANALYZE " + table); err != nil {
		t.Fatal(err)
	}

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
			var plan string
			if err := db.QueryRow("EXPLAIN (FORMAT JSON) "+q, args...).Scan(&plan); err != nil {
				t.Fatalf("EXPLAIN %s: %v", q, err)
			}
			if scans := seqScans(t, plan, table); len(scans) > 0 {
				t.Errorf("the plan of\n%s\nscans %s sequentially:\n%s", q, table, plan)
			}
			if !strings.Contains(plan, table+"_expires") {
				t.Errorf("the plan of\n%s\ndoes not use the expires index:\n%s", q, plan)
			}
		})
	}
}

// seqScans returns the Seq Scan nodes of a JSON plan that read table.
func seqScans(t *testing.T, plan, table string) []string {
	t.Helper()
	var root []struct{ Plan planNode }
	if err := json.Unmarshal([]byte(plan), &root); err != nil {
		t.Fatalf("plan: %v", err)
	}
	var found []string
	var walk func(n planNode)
	walk = func(n planNode) {
		if n.NodeType == "Seq Scan" && n.Relation == table {
			found = append(found, n.NodeType)
		}
		for _, c := range n.Plans {
			walk(c)
		}
	}
	for _, r := range root {
		walk(r.Plan)
	}
	return found
}

type planNode struct {
	NodeType string     `json:"Node Type"`
	Relation string     `json:"Relation Name"`
	Plans    []planNode `json:"Plans"`
}
