package sqlstoretest

import (
	"context"
	"testing"
	"time"
)

// testLoadAllocations holds a Load of a live record, through a prepared
// statement and with a context that has a deadline (as a request's has),
// to the dialect's allocation budget, so that a regression on the read
// path fails.
func testLoadAllocations(t *testing.T, k *kit) {
	if raceEnabled {
		t.Skip("allocation counts are not the product's under the race detector (sync.Pool drops items)")
	}
	db := k.open(t, k.h.Addr, &Counter{})
	s := k.newStore(t, db)
	key := newKey(t)
	mustSave(t, s, key, live("alloc", `{"n":1}`))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var err error
	got := testing.AllocsPerRun(200, func() {
		if _, e := s.Load(ctx, key); e != nil {
			err = e
		}
	})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	t.Logf("Load: %.1f allocations", got)
	if k.h.LoadAllocs > 0 && got > k.h.LoadAllocs {
		t.Errorf("Load made %.1f allocations, over the budget of %.0f", got, k.h.LoadAllocs)
	}
}
