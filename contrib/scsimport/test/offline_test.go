package test

import (
	"context"
	"net/http"
	"testing"

	"github.com/alexedwards/scs/postgresstore"
	"github.com/alexedwards/scs/v2"
	"github.com/session2/session2/contrib/scsimport"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
	s2redis "github.com/session2/session2/stores/redisstore"
)

// records counts the records of a session2 store.
func records(t *testing.T, s session.Store) int {
	t.Helper()
	n := 0
	for _, err := range s.List(ctx(t), session.Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n
}

// copyAll runs the offline import and checks its counts.
func copyAll(t *testing.T, imp *scsimport.Importer, dst *session.CopyImporter, copied, failed int) {
	t.Helper()
	st, err := imp.CopyTo(ctx(t), dst)
	if err != nil {
		t.Fatalf("CopyTo: %v", err)
	}
	if st.Copied != copied || st.Failed != failed || len(st.Errors) != failed || st.Ended != 0 {
		t.Fatalf("CopyTo: %+v; want %d copied, %d failed", st, copied, failed)
	}
}

// afterTheSwitch serves the scs users from the copies alone, the scs
// store being gone: each is logged in with their values once, and the
// old cookie then finds nothing.
func afterTheSwitch(t *testing.T, store session.Store, copies *session.CopyImporter, alice, bob *http.Cookie) {
	t.Helper()
	var events []session.Event
	_, h := newApp(t, store, copies, &events)
	switchOver(t, h, alice, "42|apples|3|"+since, &events)
	switchOver(t, h, bob, "7|pears|3|"+since, &events)
	if got, _ := get(h, "/", alice); got != "||0|" {
		t.Fatalf("the replayed scs cookie got %q, want a fresh session", got)
	}
	// Two sessions, and no copy left.
	if n := records(t, store); n != 2 {
		t.Fatalf("%d records after both users came back, want their 2 sessions", n)
	}
}

func TestPostgresOffline(t *testing.T) {
	db, table := openPostgres(t)
	sm := scs.New()
	scsStore := postgresstore.NewWithConfig(db, postgresstore.Config{TableName: table})
	sm.Store = scsStore
	old := scsApp(sm)
	alice := scsLogin(t, old, 42, "apples")
	bob := scsLogin(t, old, 7, "pears")
	// A row that does not decode is skipped; an expired one is not read.
	if err := scsStore.Commit("GGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGG", []byte("\x00\xff not a gob"), tomorrow()); err != nil {
		t.Fatal(err)
	}
	b, err := sm.Codec.Encode(yesterday(), map[string]any{"userID": 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := scsStore.Commit("EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE", b, yesterday()); err != nil {
		t.Fatal(err)
	}

	imp, err := scsimport.Postgres(db, scsimport.WithTable(table), scsimport.WithUserKey("userID"))
	if err != nil {
		t.Fatal(err)
	}
	store := session2Postgres(t, db)
	copies, err := session.ImportCopies(store, http.Cookie{Name: "session"})
	if err != nil {
		t.Fatal(err)
	}
	copyAll(t, imp, copies, 2, 1)
	copyAll(t, imp, copies, 2, 1) // again: nothing doubles
	if n := records(t, store); n != 2 {
		t.Fatalf("%d copies after two runs, want 2", n)
	}

	// The scs store is switched off.
	if _, err := db.ExecContext(ctx(t), "DROP TABLE "+table); err != nil {
		t.Fatal(err)
	}
	afterTheSwitch(t, store, copies, alice, bob)
}

func TestRedisOfflineHashedTokens(t *testing.T) {
	sm, client, prefix := scsRedis(t, true)
	old := scsApp(sm)
	alice := scsLogin(t, old, 42, "apples")
	bob := scsLogin(t, old, 7, "pears")
	imp, err := scsimport.Redis(client, scsimport.WithPrefix(prefix), scsimport.WithUserKey("userID"), scsimport.WithHashedTokens())
	if err != nil {
		t.Fatal(err)
	}
	store, err := s2redis.New(client, s2redis.WithPrefix("session2-test:"+suffix(t)+":"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	copies, err := session.ImportCopies(store, http.Cookie{Name: "session"}, session.CopyKeyFunc(scsimport.HashedTokenKey))
	if err != nil {
		t.Fatal(err)
	}
	copyAll(t, imp, copies, 2, 0)

	// The scs store is switched off.
	for _, c := range []*http.Cookie{alice, bob} {
		if n, err := client.Del(context.Background(), prefix+scsimport.HashedTokenKey(c.Value)).Result(); err != nil || n != 1 {
			t.Fatalf("deleting the scs key: %d, %v", n, err)
		}
	}
	afterTheSwitch(t, store, copies, alice, bob)
}

func TestMySQLOffline(t *testing.T) {
	db, sm := scsMySQL(t)
	old := scsApp(sm)
	alice := scsLogin(t, old, 42, "apples")
	bob := scsLogin(t, old, 7, "pears")
	imp, err := scsimport.MySQL(db, scsimport.WithUserKey("userID"))
	if err != nil {
		t.Fatal(err)
	}
	store := sessiontest.NewStore()
	copies, err := session.ImportCopies(store, http.Cookie{Name: "session"})
	if err != nil {
		t.Fatal(err)
	}
	copyAll(t, imp, copies, 2, 0)
	if _, err := db.ExecContext(ctx(t), "DROP TABLE sessions"); err != nil {
		t.Fatal(err)
	}
	afterTheSwitch(t, store, copies, alice, bob)
}
