package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/session2/session2/contrib/scsimport"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/mysqlstore"
)

// scsData encodes a session as scs's GobCodec does: the gob of a struct
// with the fields Deadline and Values.
func scsData(t *testing.T, deadline time.Time, values map[string]any) []byte {
	t.Helper()
	var b bytes.Buffer
	rec := struct {
		Deadline time.Time
		Values   map[string]any
	}{deadline, values}
	if err := gob.NewEncoder(&b).Encode(&rec); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// scsToken returns a token of scs's shape.
func scsToken(t *testing.T) string {
	t.Helper()
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

var since = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// scsUsers are the sessions every scs store of these tests holds, by
// token: alice's and bob's, live, with the values an scs application put.
type scsUsers struct{ alice, bob string }

func (u scsUsers) sessions(t *testing.T) map[string][]byte {
	later := time.Now().Add(24 * time.Hour)
	return map[string][]byte{
		u.alice: scsData(t, later, map[string]any{"userID": 42, "cart": "apples", "since": since,
			"prefs": map[string]string{"theme": "dark"}}),
		u.bob: scsData(t, later, map[string]any{"userID": "bob", "cart": "pears"}),
	}
}

// expiredSession is an scs session whose deadline passed.
func expiredSession(t *testing.T) []byte {
	return scsData(t, time.Now().Add(-time.Hour), map[string]any{"userID": 1})
}

// checkCopies serves the users from fx's store through an application on
// session.ImportCopies, the scs store being gone: each is logged in with
// their values.
func checkCopies(t *testing.T, fx *fixture, u scsUsers, keys ...session.CopyOption) {
	t.Helper()
	fx.with(t, func(s session.Store) {
		copies, err := session.ImportCopies(s, http.Cookie{Name: "session"}, keys...)
		if err != nil {
			t.Fatal(err)
		}
		mgr, err := session.New[session.Map](s, session.WithImporter(copies, session.CopyValues))
		if err != nil {
			t.Fatal(err)
		}
		h := mgr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			m := mgr.Get(r).Data()
			cart, _ := m.GetString("cart")
			sinceV, _ := m.Get("since")
			prefs, _ := m.Get("prefs")
			p, _ := prefs.(map[string]string)
			tm, _ := sinceV.(time.Time)
			io.WriteString(w, mgr.Get(r).User()+"|"+cart+"|"+tm.Format(time.RFC3339)+"|"+p["theme"])
		}))
		for tok, want := range map[string]string{
			u.alice: "42|apples|2024-05-01T12:00:00Z|dark", u.bob: "bob|pears|0001-01-01T00:00:00Z|",
		} {
			req := httptest.NewRequest("GET", "/", nil)
			req.AddCookie(&http.Cookie{Name: "session", Value: tok})
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if got := rec.Body.String(); got != want {
				t.Fatalf("the scs cookie got %q after the import, want %q", got, want)
			}
		}
	})
}

// scsTable creates a table of scs's shape, with the columns as scs's README
// declares them for the database, under a fresh name dropped at the end of
// the test, and returns its name.
func scsTable(t *testing.T, db *sql.DB, columns string) string {
	t.Helper()
	var b [5]byte
	rand.Read(b[:])
	table := "scs_" + hex.EncodeToString(b[:])
	if _, err := db.Exec("CREATE TABLE " + table + " (" + columns + ")"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Exec("DROP TABLE IF EXISTS " + table) })
	return table
}

func TestImportPostgres(t *testing.T) {
	u := envURL(t, "SESSION2_POSTGRES_DSN", "postgres")
	db, err := sql.Open("postgres", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	table := scsTable(t, db, "token TEXT PRIMARY KEY, data BYTEA NOT NULL, expiry TIMESTAMPTZ NOT NULL")
	users := scsUsers{scsToken(t), scsToken(t)}
	ins := func(tok string, data []byte, expiry time.Time) {
		if _, err := db.ExecContext(ctx, "INSERT INTO "+table+" VALUES ($1, $2, $3)", tok, data, expiry); err != nil {
			t.Fatal(err)
		}
	}
	for tok, data := range users.sessions(t) {
		ins(tok, data, time.Now().Add(24*time.Hour))
	}
	ins(scsToken(t), expiredSession(t), time.Now().Add(-time.Hour))

	fx := sqlFixture(t, "SESSION2_POSTGRES_DSN", "postgres")
	for run := 0; run < 2; run++ { // a second run changes nothing
		r := fx.run(t, "import", "-user-key", "userID", "-table", table, u.String())
		wantCode(t, r, exitOK)
		if !strings.Contains(r.stdout, "copied 2 sessions from ") || !strings.Contains(r.stdout, "0 that failed") {
			t.Fatalf("run %d: stdout %q", run, r.stdout)
		}
		if ls := fx.run(t, "ls", "-json"); strings.Count(ls.stdout, `"key"`) != 2 {
			t.Fatalf("run %d: the store holds %s", run, ls.stdout)
		}
	}

	// A session holding a value of a type of the application's own,
	// which sessionctl cannot decode, is reported, and the command
	// fails. (The type is registered here to encode the record; the
	// record then names a type of the same length that no one
	// registered.)
	type appType struct{ N int }
	gob.Register(appType{})
	bad := scsData(t, time.Now().Add(time.Hour), map[string]any{"x": appType{1}})
	ins(scsToken(t), bytes.Replace(bad, []byte("appType"), []byte("appTypX"), 1), time.Now().Add(time.Hour))
	r := fx.run(t, "import", "-user-key", "userID", "-table", table, u.String())
	wantCode(t, r, exitFailure)
	if !strings.Contains(r.stdout, "copied 2 sessions") || !strings.Contains(r.stdout, "1 that failed") ||
		!strings.Contains(r.stderr, "CopyTo") || !strings.Contains(r.stderr, "not registered") {
		t.Fatalf("stdout %q, stderr %q", r.stdout, r.stderr)
	}

	if _, err := db.ExecContext(ctx, "DROP TABLE "+table); err != nil {
		t.Fatal(err)
	}
	checkCopies(t, fx, users)
}

func TestImportMySQLIntoFiles(t *testing.T) {
	u := envURL(t, "SESSION2_MYSQL_DSN", "mysql")
	dsn, err := mysqlstore.DSN(u)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	table := scsTable(t, db, "token CHAR(43) PRIMARY KEY, data BLOB NOT NULL, expiry TIMESTAMP(6) NOT NULL")
	users := scsUsers{scsToken(t), scsToken(t)}
	for tok, data := range users.sessions(t) {
		if _, err := db.ExecContext(ctx, "INSERT INTO "+table+" VALUES (?, ?, UTC_TIMESTAMP(6) + INTERVAL 1 DAY)", tok, data); err != nil {
			t.Fatal(err)
		}
	}
	fx := urlFixture(t, "file:"+filepath.Join(t.TempDir(), "sessions")+"?sweep=0")
	r := fx.run(t, "import", "-table", table, "-user-key", "userID", u.String())
	wantCode(t, r, exitOK)
	if !strings.Contains(r.stdout, "copied 2 sessions") {
		t.Fatalf("stdout %q", r.stdout)
	}
	// show tells a copy from a session.
	ls := fx.run(t, "ls", "-json")
	var listed []struct{ Key string }
	if err := json.Unmarshal([]byte(ls.stdout), &listed); err != nil || len(listed) != 2 {
		t.Fatalf("ls -json: %v: %s", err, ls.stdout)
	}
	if sh := fx.run(t, "show", listed[0].Key); !strings.Contains(sh.stdout, "import copy:") {
		t.Fatalf("show: %s", sh.stdout)
	}
	if sh := fx.run(t, "show", "-json", listed[0].Key); !strings.Contains(sh.stdout, `"kind": "import-copy"`) {
		t.Fatalf("show -json: %s", sh.stdout)
	}
	if pw, ok := u.User.Password(); ok && pw != "" && strings.Contains(r.stdout+r.stderr, pw) {
		t.Fatal("the output holds the database password")
	}
	if _, err := db.ExecContext(ctx, "DROP TABLE "+table); err != nil {
		t.Fatal(err)
	}
	checkCopies(t, fx, users)
}

func TestImportRedisHashedTokens(t *testing.T) {
	raw := os.Getenv("SESSION2_REDIS_URL")
	if raw == "" {
		t.Skip("set SESSION2_REDIS_URL to test against Redis")
	}
	opts, err := redis.ParseURL(raw)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opts)
	defer c.Close()
	ctx := context.Background()
	var b [5]byte
	rand.Read(b[:])
	prefix := "scs-sessionctl:" + hex.EncodeToString(b[:]) + ":"
	users := scsUsers{scsToken(t), scsToken(t)}
	var keys []string
	for tok, data := range users.sessions(t) {
		keys = append(keys, prefix+scsimport.HashedTokenKey(tok))
		if err := c.Set(ctx, keys[len(keys)-1], data, time.Hour).Err(); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { c.Del(context.Background(), keys...) })

	fx := redisFixture(t)
	r := fx.run(t, "import", "-prefix", prefix, "-user-key", "userID", raw)
	wantCode(t, r, exitOK)
	if !strings.Contains(r.stdout, "copied 2 sessions") {
		t.Fatalf("stdout %q", r.stdout)
	}
	if err := c.Del(ctx, keys...).Err(); err != nil {
		t.Fatal(err)
	}
	checkCopies(t, fx, users, session.CopyKeyFunc(scsimport.HashedTokenKey))
	// The copies served once: none is left.
	if ls := fx.run(t, "ls", "-json"); strings.Count(ls.stdout, `"key"`) != 2 {
		t.Fatalf("after the switch the store holds %s; want the 2 new sessions", ls.stdout)
	}
}

func TestImportUsage(t *testing.T) {
	fx := memFixture(t)
	for _, args := range [][]string{
		{"import"},
		{"import", "postgres://a/b", "extra"},
		{"import", "ftp://host/x"},
		{"import", "not a url at all"},
		{"import", "-prefix", "p:", "postgres://a/b"},
		{"import", "-table", "t", "redis://localhost:6379/0"},
	} {
		r := fx.run(t, args...)
		wantCode(t, r, exitUsage)
		oneErrorLine(t, r.stderr, "import")
	}
	// An scs store that does not answer fails without hanging, and
	// without its password in the message.
	r := fx.run(t, "-timeout", "20s", "import", "postgres://u:sekrit@127.0.0.1:1/db?sslmode=disable")
	wantCode(t, r, exitFailure)
	if strings.Contains(r.stderr, "sekrit") || !strings.Contains(r.stderr, "cannot reach it") {
		t.Fatalf("stderr %q", r.stderr)
	}
}
