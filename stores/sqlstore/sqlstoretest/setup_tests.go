package sqlstoretest

import (
	"errors"
	"strings"
	"testing"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/sqlstore"
)

// testMissingTableHint: every operation on a table Setup never created
// fails with an error wrapping sqlstore.ErrNoTable, naming the table and
// telling what to run; WithSetup then creates it in New.
func testMissingTableHint(t *testing.T, k *kit) {
	if _, ok := k.h.Dialect.(sqlstore.MissingTableDetector); !ok {
		t.Skipf("the dialect %s does not recognise a missing table", k.h.Dialect.Name())
	}
	db := k.open(t, k.h.Addr, &Counter{})
	table := tableName(t)
	s, err := sqlstore.New(db, k.h.Dialect, sqlstore.WithTable(table), sqlstore.WithSweepInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	key := newKey(t)
	checks := map[string]error{}
	_, checks["Load"] = s.Load(ctxT(t), key)
	checks["Save"] = s.Save(ctxT(t), key, live("u", "d"))
	checks["Touch"] = s.Touch(ctxT(t), key, now(), now())
	checks["Delete"] = s.Delete(ctxT(t), key)
	_, checks["Prune"] = s.Prune(ctxT(t), session.Filter{User: "u"})
	for _, err := range s.List(ctxT(t), session.Filter{}) {
		checks["List"] = err
		break
	}
	for op, err := range checks {
		if !errors.Is(err, sqlstore.ErrNoTable) {
			t.Errorf("%s on a missing table: %v, want ErrNoTable", op, err)
			continue
		}
		for _, want := range []string{table, "Setup", "sessionctl -store URL setup"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %q does not mention %q", op, err, want)
			}
		}
	}

	s2, err := sqlstore.New(db, k.h.Dialect, sqlstore.WithTable(table), sqlstore.WithSweepInterval(0), sqlstore.WithSetup())
	if err != nil {
		t.Fatalf("New with WithSetup: %v", err)
	}
	k.dropAtEnd(t, s2.Names())
	t.Cleanup(func() { s2.Close() })
	mustSave(t, s2, key, live("u", "d"))
	mustLoad(t, s, key) // the first store works now too
}
