package bench

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	_ "github.com/lib/pq"
	"go.etcd.io/bbolt"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/boltstore"
	"github.com/session2/session2/stores/filestore"
	"github.com/session2/session2/stores/memstore"
	s2mysql "github.com/session2/session2/stores/mysqlstore"
	s2pg "github.com/session2/session2/stores/postgresstore"
)

// The scale benchmark: each store filled with N records (200 bytes of
// data, one of 100 users each, 10% already expired), then every operation
// timed on it. See bench/README.md for the commands.
var (
	scaleSizes  = flag.String("scale.sizes", "", "comma-separated store sizes for TestScale (default 1000,10000; 1000 with -short)")
	scaleStores = flag.String("scale.stores", "memory,bolt,file,postgres,mysql,redis", "stores TestScale fills")
	scaleOps    = flag.Int("scale.ops", 200, "operations timed per point (Load, Save, Touch)")
	scaleOut    = flag.String("scale.out", "", "file TestScale appends its rows to (CSV), for TestPlot")
	scaleLabel  = flag.String("scale.label", "", "label written in the rows' first column (for example before or after)")
	scaleDir    = flag.String("scale.dir", "", "directory for the file and bolt stores (default a test temp dir)")
)

// scaleRow is one measured point.
type scaleRow struct {
	label, store string
	n            int
	op           string
	p50, p99     time.Duration // per operation; for a one-shot op both are its total
	count        int           // records the op deleted, or operations timed
	extra        float64       // bytes per record for op "disk"
}

func (r scaleRow) csv() string {
	return fmt.Sprintf("%s,%s,%d,%s,%.1f,%.1f,%d,%.0f", r.label, r.store, r.n, r.op,
		float64(r.p50)/1e3, float64(r.p99)/1e3, r.count, r.extra)
}

const scaleCSVHeader = "label,store,n,op,p50_us,p99_us,count,bytes_per_record"

// scaleStore opens a store for a scale run.
type scaleStore struct {
	name string
	open func(t *testing.T) scaleHandles
}

// scaleHandles are what a scale run works through.
type scaleHandles struct {
	fill   session.Store        // the store the records are written through (it may skip fsyncs)
	reopen func() session.Store // the store on the same data, for the timings
	disk   func() int64         // bytes on disk, or nil
	// purge, when not nil, waits for the database to finish the work a
	// mass delete leaves behind (dead index entries), so that a sweep
	// pass can be timed with and without it.
	purge func()
	// noSweeper: the store expires records by itself and runs no sweep
	// (Redis), so no idle sweep pass is timed.
	noSweeper bool
}

func scaleStoreList(t *testing.T) []scaleStore {
	all := []scaleStore{
		{"memory", func(t *testing.T) scaleHandles {
			s := memstore.New(memstore.WithSweepInterval(0))
			t.Cleanup(func() { s.Close() })
			return scaleHandles{fill: s, reopen: func() session.Store { return s }}
		}},
		{"bolt", openScaleBolt},
		{"file", openScaleFile},
		{"postgres", openScalePostgres},
		{"mysql", openScaleMySQL},
		{"redis", openScaleRedis},
	}
	var out []scaleStore
	for _, name := range strings.Split(*scaleStores, ",") {
		i := slices.IndexFunc(all, func(s scaleStore) bool { return s.name == strings.TrimSpace(name) })
		if i < 0 {
			t.Fatalf("-scale.stores: unknown store %q", name)
		}
		out = append(out, all[i])
	}
	return out
}

func scaleTempDir(t *testing.T) string {
	if *scaleDir == "" {
		return t.TempDir()
	}
	d, err := os.MkdirTemp(*scaleDir, "scale-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// openScaleBolt fills through a bbolt handle opened with NoSync (the
// records are the same on disk, written faster), then reopens the file
// with boltstore.Open's own settings for the timings.
func openScaleBolt(t *testing.T) scaleHandles {
	path := filepath.Join(scaleTempDir(t), "scale.db")
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{NoSync: true, NoFreelistSync: true, FreelistType: bbolt.FreelistMapType})
	if err != nil {
		t.Fatal(err)
	}
	fill, err := boltstore.New(db, boltstore.WithSweepInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	var measured *boltstore.Store
	t.Cleanup(func() {
		if measured != nil {
			measured.Close()
		}
	})
	reopen := func() session.Store {
		fill.Close()
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		measured, err = boltstore.Open(path, boltstore.WithSweepInterval(0))
		if err != nil {
			t.Fatal(err)
		}
		return measured
	}
	return scaleHandles{fill: fill, reopen: reopen, disk: func() int64 { return diskUsage(t, path) }}
}

func openScaleFile(t *testing.T) scaleHandles {
	dir := filepath.Join(scaleTempDir(t), "sessions")
	s, err := filestore.New(dir, filestore.WithSweepInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return scaleHandles{fill: s, reopen: func() session.Store { return s }, disk: func() int64 { return diskUsage(t, dir) }}
}

// scaleSQLStore is what the scale run needs of postgresstore and mysqlstore.
type scaleSQLStore interface {
	session.Store
	Setup(context.Context) error
	Close() error
}

// scaleSQLTable gives db a pool of 16 connections (closed at the end of
// the test), opens the store newStore makes on a table of the run's own,
// sets it up, and drops the table at the end.
func scaleSQLTable(t *testing.T, db *sql.DB, newStore func(table string) (scaleSQLStore, error)) (string, scaleSQLStore) {
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	t.Cleanup(func() { db.Close() })
	table := "s2scale_" + sqlRandom()
	s, err := newStore(table)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		db.Exec("DROP TABLE IF EXISTS " + table)
		db.Exec("DROP TABLE IF EXISTS " + table + "_schema")
	})
	if err := s.Setup(context.Background()); err != nil {
		t.Fatal(err)
	}
	return table, s
}

func openScalePostgres(t *testing.T) scaleHandles {
	dsn := os.Getenv("SESSION2_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("SESSION2_POSTGRES_DSN is not set: no PostgreSQL to fill")
	}
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	table, s := scaleSQLTable(t, db, func(table string) (scaleSQLStore, error) {
		return s2pg.New(db, s2pg.WithTable(table), s2pg.WithSweepInterval(0))
	})
	reopen := func() session.Store {
		if _, err := db.Exec("VACUUM ANALYZE " + table); err != nil {
			t.Fatal(err)
		}
		return s
	}
	// VACUUM removes the deleted rows' index entries, which autovacuum
	// would reach in its own time.
	purge := func() {
		if _, err := db.Exec("VACUUM " + table); err != nil {
			t.Fatal(err)
		}
	}
	return scaleHandles{fill: s, reopen: reopen, purge: purge}
}

func openScaleMySQL(t *testing.T) scaleHandles {
	raw := os.Getenv("SESSION2_MYSQL_DSN")
	if raw == "" {
		t.Skip("SESSION2_MYSQL_DSN is not set: no MySQL to fill")
	}
	cfg, err := mysql.ParseDSN(raw)
	if err != nil {
		t.Fatalf("SESSION2_MYSQL_DSN: %v", err)
	}
	cfg.ParseTime, cfg.ClientFoundRows, cfg.Loc = true, true, time.UTC
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	table, s := scaleSQLTable(t, db, func(table string) (scaleSQLStore, error) {
		return s2mysql.New(db, s2mysql.WithTable(table), s2mysql.WithSweepInterval(0))
	})
	reopen := func() session.Store {
		if _, err := db.Exec("ANALYZE TABLE " + table); err != nil {
			t.Fatal(err)
		}
		return s
	}
	// InnoDB's purge thread removes deleted rows' index entries in the
	// background: wait (up to two minutes) until its history list is
	// about empty.
	purge := func() {
		deadline := time.Now().Add(2 * time.Minute)
		for {
			var name string
			var n int64
			if err := db.QueryRow("SHOW GLOBAL STATUS LIKE 'Innodb_history_list_length'").Scan(&name, &n); err != nil {
				t.Fatal(err)
			}
			if n < 16 {
				return
			}
			if time.Now().After(deadline) {
				t.Logf("InnoDB history list still %d long after two minutes", n)
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	return scaleHandles{fill: s, reopen: reopen, purge: purge}
}

// diskUsage is the space allocated to path and everything under it.
func diskUsage(t *testing.T, path string) int64 {
	var total int64
	err := filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		var st syscall.Stat_t
		if err := syscall.Lstat(p, &st); err != nil {
			return err
		}
		total += st.Blocks * 512
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return total
}

// scaleKey is the store key of record i of a run.
func scaleKey(seed uint64, i int) string {
	h := sha256.Sum256([]byte(strconv.FormatUint(seed, 10) + "/" + strconv.Itoa(i)))
	return hex.EncodeToString(h[:])
}

// The shape of the records: i%10 == 0 expired an hour ago; i%10 == 1 or 2
// alive but idle for two hours (pruned by the "prune-idle" step, which
// makes 28% of the records deleted in all, as in issue 14's probe).
func scaleRecord(i int, now time.Time, data []byte) session.Record {
	r := session.Record{
		User: "user" + strconv.Itoa(i%100), Data: data,
		Created: now.Add(-3 * time.Hour), Accessed: now, Expires: now.Add(24 * time.Hour),
	}
	switch i % 10 {
	case 0:
		r.Accessed, r.Expires = now.Add(-2*time.Hour), now.Add(-time.Hour)
	case 1, 2:
		r.Accessed = now.Add(-2 * time.Hour)
	}
	return r
}

// TestScale fills each store of -scale.stores with each size of
// -scale.sizes and times Load, Save, Touch, the Prune of what expired, an
// idle sweep pass, the Prune of idle records and Save after those deletes.
// It prints a table and appends CSV rows to -scale.out.
func TestScale(t *testing.T) {
	def := []int{1000, 10000}
	if testing.Short() {
		def = []int{1000}
	}
	sizes := intsFlag(t, "scale.sizes", *scaleSizes, 100, def)
	out := appendCSV(t, *scaleOut, scaleCSVHeader)
	for _, st := range scaleStoreList(t) {
		for _, n := range sizes {
			t.Run(fmt.Sprintf("store=%s/n=%d", st.name, n), func(t *testing.T) {
				rows := runScale(t, st, n)
				for _, r := range rows {
					t.Logf("%-8s %8d %-16s p50 %10.1f µs  p99 %10.1f µs  count %7d  %s", r.store, r.n, r.op,
						float64(r.p50)/1e3, float64(r.p99)/1e3, r.count, perRecordNote(r))
					if out != nil {
						fmt.Fprintln(out, r.csv())
					}
				}
			})
		}
	}
}

func perRecordNote(r scaleRow) string {
	switch {
	case r.op == "disk":
		return fmt.Sprintf("%.0f bytes/record", r.extra)
	case strings.HasPrefix(r.op, "prune") && r.count > 0:
		return fmt.Sprintf("%.1f µs/record", float64(r.p50)/1e3/float64(r.count))
	}
	return ""
}

func runScale(t *testing.T, st scaleStore, n int) []scaleRow {
	ctx := context.Background()
	hs := st.open(t)
	fill, reopen, disk := hs.fill, hs.reopen, hs.disk
	seed := rand.Uint64()
	now := time.Now().UTC().Truncate(time.Microsecond)
	data := make([]byte, 200)
	for i := range data {
		data[i] = 'a' + byte(i%26)
	}

	// Fill with 16 writers.
	var next atomic.Int64
	var wg sync.WaitGroup
	var fillErr error
	var errOnce sync.Once
	start := time.Now()
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fill.Save(ctx, scaleKey(seed, i), scaleRecord(i, now, data)); err != nil {
					errOnce.Do(func() { fillErr = fmt.Errorf("fill record %d: %w", i, err) })
					return
				}
			}
		}()
	}
	wg.Wait()
	if fillErr != nil {
		t.Fatal(fillErr)
	}
	t.Logf("filled %d records in %v", n, time.Since(start).Round(time.Millisecond))
	s := reopen()
	settle()
	label := *scaleLabel
	row := func(op string, p50, p99 time.Duration, count int) scaleRow {
		return scaleRow{label: label, store: st.name, n: n, op: op, p50: p50, p99: p99, count: count}
	}
	var rows []scaleRow
	if disk != nil {
		rows = append(rows, scaleRow{label: label, store: st.name, n: n, op: "disk", extra: float64(disk()) / float64(n)})
	}

	// Live, not idle records: i%10 in 3..9.
	rng := rand.New(rand.NewPCG(seed, 1))
	live := func() int {
		for {
			i := rng.IntN(n)
			if i%10 >= 3 {
				return i
			}
		}
	}
	ops := *scaleOps
	timeOps := func(op string, fn func() error) {
		lat := make([]time.Duration, 0, ops)
		for range ops {
			t0 := time.Now()
			if err := fn(); err != nil {
				t.Fatalf("%s: %v", op, err)
			}
			lat = append(lat, time.Since(t0))
		}
		slices.Sort(lat)
		rows = append(rows, row(op, lat[len(lat)/2], lat[len(lat)*99/100], ops))
	}
	timeOps("load", func() error {
		_, err := s.Load(ctx, scaleKey(seed, live()))
		return err
	})
	timeSaves := func(op string) {
		lat := make([]time.Duration, 0, ops)
		for range ops {
			i := live()
			k := scaleKey(seed, i)
			rec, err := s.Load(ctx, k)
			if err != nil {
				t.Fatalf("%s: load %d: %v", op, i, err)
			}
			rec.Data[0] ^= 1
			t0 := time.Now()
			if err := s.Save(ctx, k, rec); err != nil {
				t.Fatalf("%s: %v", op, err)
			}
			lat = append(lat, time.Since(t0))
		}
		slices.Sort(lat)
		rows = append(rows, row(op, lat[len(lat)/2], lat[len(lat)*99/100], ops))
	}
	timeSaves("save")
	timeOps("touch", func() error {
		// Expires moves by a whole minute and more, as a real touch
		// after the touch interval does.
		return s.Touch(ctx, scaleKey(seed, live()), now, now.Add(24*time.Hour+time.Duration(1+rng.IntN(60))*time.Minute))
	})
	once := func(op string, fn func() (int, error)) {
		t0 := time.Now()
		c, err := fn()
		d := time.Since(t0)
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		rows = append(rows, row(op, d, d, c))
	}
	sweep := func() (int, error) {
		if fs, ok := s.(*filestore.Store); ok {
			st, err := fs.Sweep(ctx)
			return st.Expired, err
		}
		return s.Prune(ctx, session.Filter{ExpiresBefore: time.Now()})
	}
	once("prune-expired", func() (int, error) {
		return s.Prune(ctx, session.Filter{ExpiresBefore: time.Now()})
	})
	if c := rows[len(rows)-1].count; c != n/10 {
		t.Errorf("prune-expired deleted %d records, want %d", c, n/10)
	}
	if !hs.noSweeper {
		once("sweep-idle", sweep)
		if c := rows[len(rows)-1].count; c != 0 {
			t.Errorf("the sweep after the prune deleted %d records", c)
		}
	}
	if hs.purge != nil {
		hs.purge()
		once("sweep-idle-purged", sweep)
	}
	once("prune-idle", func() (int, error) {
		return s.Prune(ctx, session.Filter{AccessedBefore: now.Add(-time.Hour)})
	})
	timeSaves("save-after-deletes")
	return rows
}

// readScaleCSV reads the rows TestScale wrote.
func readScaleCSV(path string) ([]scaleRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rows []scaleRow
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line == scaleCSVHeader {
			continue
		}
		fs := strings.Split(line, ",")
		if len(fs) != 8 {
			return nil, fmt.Errorf("%s: bad row %q", path, line)
		}
		n, err1 := strconv.Atoi(fs[2])
		p50, err2 := strconv.ParseFloat(fs[4], 64)
		p99, err3 := strconv.ParseFloat(fs[5], 64)
		c, err4 := strconv.Atoi(fs[6])
		x, err5 := strconv.ParseFloat(fs[7], 64)
		if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
			return nil, fmt.Errorf("%s: row %q: %w", path, line, err)
		}
		rows = append(rows, scaleRow{label: fs[0], store: fs[1], n: n, op: fs[3],
			p50: time.Duration(p50 * 1e3), p99: time.Duration(p99 * 1e3), count: c, extra: x})
	}
	return rows, sc.Err()
}
