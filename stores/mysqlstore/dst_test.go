package mysqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/mysqlstore"
	"github.com/session2/session2/stores/sqlstore"
)

// TestTimesAnyDSN writes and reads back times on both sides of both
// daylight-saving changes of America/New_York, every quarter of an hour,
// through connections whose loc has those changes (parseTime on), whose
// loc is Local with the local zone set to New York, and without
// parseTime: every time comes back as the instant written, and a Touch,
// an update and List's filters see the same instants.
func TestTimesAnyDSN(t *testing.T) {
	base := serverConfig(t)
	ny := mustZone(t, "America/New_York")
	var err error

	withNY := base.Clone()
	withNY.ParseTime = true
	withNY.Loc = ny
	noParse := base.Clone()
	noParse.ParseTime = false
	noParse.Loc = ny

	// loc=Local: the driver takes time.Local as the DSN is parsed, which
	// is what TZ=America/New_York sets at a program's start.
	saved := time.Local
	time.Local = ny
	local := base.Clone()
	local.ParseTime = true
	local.Loc, err = time.LoadLocation("Local")
	time.Local = saved
	if err != nil {
		t.Fatal(err)
	}
	if local.Loc != ny {
		t.Fatalf("loc=Local is %v, want the local zone America/New_York", local.Loc)
	}

	// Instants around 2025-03-09 07:00 UTC (spring forward) and
	// 2025-11-02 06:00 UTC (fall back), and wall clocks in UTC that fall in
	// New York's gap and overlap (02:30 and 01:30), as the issue found.
	var instants []time.Time
	for _, start := range []time.Time{
		time.Date(2025, 3, 9, 0, 0, 0, 0, time.UTC),
		time.Date(2025, 11, 1, 23, 0, 0, 0, time.UTC),
	} {
		for i := 0; i <= 40; i++ {
			instants = append(instants, start.Add(time.Duration(i)*15*time.Minute+123456*time.Microsecond))
		}
	}
	// Expiry in the future, on the same changes of a later year.
	future := func(t time.Time) time.Time { return t.AddDate(10, 0, 0) }

	for name, cfg := range map[string]*mysql.Config{
		"loc=America/New_York":   withNY,
		"loc=Local TZ=New_York":  local,
		"parseTime=false loc=NY": noParse,
	} {
		t.Run(name, func(t *testing.T) {
			conn, err := mysql.NewConnector(cfg)
			if err != nil {
				t.Fatal(err)
			}
			db := sql.OpenDB(conn)
			t.Cleanup(func() { db.Close() })
			table := fmt.Sprintf("s2t_dst_%d", time.Now().UnixNano()%1e9)
			s, err := mysqlstore.New(db, sqlstore.WithTable(table), sqlstore.WithSweepInterval(0))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				s.Close()
				db.Exec("DROP TABLE IF EXISTS " + s.Names().Table)
				db.Exec("DROP TABLE IF EXISTS " + s.Names().Versions)
			})
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := s.Setup(ctx); err != nil {
				t.Fatal(err)
			}
			user := fmt.Sprintf("dst-%d", time.Now().UnixNano())
			keys := make([]string, len(instants))
			for i, at := range instants {
				keys[i] = fmt.Sprintf("%064x", time.Now().UnixNano()+int64(i))
				rec := session.Record{User: user, Data: []byte("x"), Created: at, Accessed: at, Expires: future(at)}
				if err := s.Save(ctx, keys[i], rec); err != nil {
					t.Fatalf("Save at %v: %v", at, err)
				}
			}
			check := func(stage string, i int, rec session.Record, accessed, expires time.Time) {
				t.Helper()
				at := instants[i]
				if !rec.Created.Equal(at) || !rec.Accessed.Equal(accessed) || !rec.Expires.Equal(expires) {
					t.Errorf("%s: wrote created %v accessed %v expires %v, read %v %v %v",
						stage, at, accessed, expires, rec.Created, rec.Accessed, rec.Expires)
				}
			}
			for i, key := range keys {
				rec, err := s.Load(ctx, key)
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				check("Load", i, rec, instants[i], future(instants[i]))
				// An update writes back what it read.
				rec.Data = []byte("y")
				if err := s.Save(ctx, key, rec); err != nil {
					t.Fatalf("Save (update): %v", err)
				}
				if rec, err = s.Load(ctx, key); err != nil {
					t.Fatalf("Load after update: %v", err)
				}
				check("Load after an update", i, rec, instants[i], future(instants[i]))
			}
			// Touch moves accessed by a minute; List filters at the instants.
			for i, key := range keys {
				acc := instants[i].Add(time.Minute)
				if err := s.Touch(ctx, key, acc, future(acc)); err != nil {
					t.Fatalf("Touch: %v", err)
				}
				rec, err := s.Load(ctx, key)
				if err != nil {
					t.Fatalf("Load after Touch: %v", err)
				}
				check("Load after Touch", i, rec, acc, future(acc))
			}
			for i := range instants {
				cut := instants[i].Add(time.Minute) // accessed < cut: records before i
				n := 0
				for e, err := range s.List(ctx, session.Filter{User: user, AccessedBefore: cut}) {
					if err != nil {
						t.Fatalf("List: %v", err)
					}
					if !e.Record.Accessed.Before(cut) {
						t.Errorf("List(accessed before %v) yielded one accessed %v", cut, e.Record.Accessed)
					}
					n++
				}
				if n != i {
					t.Errorf("List(accessed before %v) found %d records, want %d", cut, n, i)
				}
			}
		})
	}
}
