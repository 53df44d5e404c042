package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
	"github.com/session2/session2/stores/memstore"
)

func key(i int) string { return fmt.Sprintf("%064x", i) }

func TestMaxSessions(t *testing.T) {
	ctx := context.Background()
	c := sessiontest.NewClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	s := memstore.New(memstore.WithMaxSessions(3), memstore.WithClock(c.Now), memstore.WithSweepInterval(0))
	defer s.Close()
	rec := func(exp time.Duration) session.Record {
		return session.Record{Data: []byte("x"), Expires: c.Now().Add(exp)}
	}
	for i := 0; i < 3; i++ {
		if err := s.Save(ctx, key(i), rec(time.Duration(i+1)*time.Hour)); err != nil {
			t.Fatalf("create %d of 3: %v", i, err)
		}
	}
	if err := s.Save(ctx, key(3), rec(time.Hour)); !errors.Is(err, session.ErrStoreFull) {
		t.Fatalf("create beyond the cap = %v, want ErrStoreFull", err)
	}
	// Updates are allowed at the cap.
	if err := s.Save(ctx, key(0), session.Record{Data: []byte("y"), Expires: c.Now().Add(time.Hour), Version: 1}); err != nil {
		t.Fatalf("update at the cap = %v", err)
	}
	// Once one record has expired, a create evicts it.
	c.Advance(90 * time.Minute)
	if err := s.Save(ctx, key(3), rec(time.Hour)); err != nil {
		t.Fatalf("create at the cap with an expired record = %v, want nil", err)
	}
	if s.Len() != 3 {
		t.Errorf("Len = %d, want 3", s.Len())
	}
	if _, err := s.Load(ctx, key(0)); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("the expired record was not evicted: Load = %v", err)
	}
	if err := s.Save(ctx, key(4), rec(time.Hour)); !errors.Is(err, session.ErrStoreFull) {
		t.Errorf("create beyond the cap with nothing expired = %v, want ErrStoreFull", err)
	}
}

func TestClockDecidesExpiry(t *testing.T) {
	ctx := context.Background()
	c := sessiontest.NewClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	s := memstore.New(memstore.WithClock(c.Now))
	defer s.Close()
	if err := s.Save(ctx, key(1), session.Record{Expires: c.Now().Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(ctx, key(1)); err != nil {
		t.Fatalf("Load before expiry = %v", err)
	}
	c.Advance(time.Minute)
	if _, err := s.Load(ctx, key(1)); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Load at the expiry instant = %v, want ErrNotFound", err)
	}
	if err := s.Touch(ctx, key(1), c.Now(), c.Now().Add(time.Hour)); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Touch at the expiry instant = %v, want ErrNotFound", err)
	}
}

func TestOpenStoreURL(t *testing.T) {
	ctx := context.Background()
	for _, u := range []string{"memory:", "memory:?max=10", "memory:?sweep=0", "memory:?max=0&sweep=30s"} {
		s, err := session.OpenStore(ctx, u)
		if err != nil {
			t.Errorf("OpenStore(%q) = %v", u, err)
			continue
		}
		if _, ok := s.(*memstore.Store); !ok {
			t.Errorf("OpenStore(%q) returned a %T", u, s)
		}
		s.Close()
	}
	s, err := session.OpenStore(ctx, "memory:?max=1")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Save(ctx, key(1), session.Record{Expires: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(ctx, key(2), session.Record{Expires: time.Now().Add(time.Hour)}); !errors.Is(err, session.ErrStoreFull) {
		t.Errorf("memory:?max=1 took a second record: %v", err)
	}
	for _, u := range []string{"memory:foo", "memory:?max=-1", "memory:?max=x", "memory:?sweep=soon", "memory:?color=red", "memory:?max=1&max=2", "memory://host/path"} {
		if s, err := session.OpenStore(ctx, u); err == nil {
			s.Close()
			t.Errorf("OpenStore(%q) = nil error, want one", u)
		}
	}
}
