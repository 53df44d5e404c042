package test

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/session2/session2/contrib/otelsession"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/memstore"
)

// The administrative calls have spans too: a list's span covers its
// iteration, even one the caller stops early, and counts what it yielded;
// a prune's counts what it deleted.
func TestAdminSpans(t *testing.T) {
	tel := newTelemetry(t)
	ms := memstore.New(memstore.WithSweepInterval(0))
	defer ms.Close()
	s := otelsession.WrapStore(ms, tel.options(otelsession.WithDBSystem("other_kv"))...)
	ctx := context.Background()
	if err := s.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for range 3 {
		rec := session.Record{User: "ann", Data: []byte("{}"), Created: now, Accessed: now, Expires: now.Add(time.Hour)}
		if err := s.Save(ctx, conformanceKey(), rec); err != nil {
			t.Fatal(err)
		}
	}
	tel.takeSpans()

	n := 0
	for _, err := range s.List(ctx, session.Filter{User: "ann"}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	for range s.List(ctx, session.Filter{User: "ann"}) {
		break
	}
	if _, err := s.Prune(ctx, session.Filter{User: "ann"}); err != nil {
		t.Fatal(err)
	}
	spans := tel.takeSpans()
	wantRecords := []int64{3, 1, 3}
	if got := summary(spans); len(got) != 3 || got[0] != "session2.store.list ok" || got[1] != "session2.store.list ok" || got[2] != "session2.store.prune ok" {
		t.Fatalf("spans %q, want two lists and a prune", got)
	}
	for i, sp := range spans {
		var records int64 = -1
		for _, a := range sp.Attributes {
			if a.Key == otelsession.RecordsKey && a.Value.Type() == attribute.INT64 {
				records = a.Value.AsInt64()
			}
		}
		if records != wantRecords[i] {
			t.Errorf("%s #%d: records %d, want %d", sp.Name, i, records, wantRecords[i])
		}
		if got := attr(sp.Attributes, otelsession.DBSystemKey); got != "other_kv" {
			t.Errorf("%s: db.system %q, want the WithDBSystem value", sp.Name, got)
		}
	}
	if n != 3 {
		t.Errorf("listed %d, want 3", n)
	}
}
