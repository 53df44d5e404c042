package test

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel"

	"github.com/session2/session2/contrib/otelsession"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/memstore"
)

// Without options the wrapper and the hook use the global providers, and
// follow an SDK the application installs after wrapping, as otel's
// contrib packages do.
func TestGlobalProviders(t *testing.T) {
	ms := memstore.New(memstore.WithSweepInterval(0))
	defer ms.Close()
	s := otelsession.WrapStore(ms)
	hook := otelsession.EventHook()

	tel := newTelemetry(t)
	otel.SetTracerProvider(tel.tp)
	otel.SetMeterProvider(tel.mp)

	if _, err := s.Load(context.Background(), conformanceKey()); err == nil {
		t.Fatal("load of a random key found a record")
	}
	hook(session.Event{Kind: session.EventCreated})
	if got := summary(tel.takeSpans()); len(got) != 1 || got[0] != "session2.store.load miss" {
		t.Errorf("spans %q, want one load miss", got)
	}
	rm := tel.collect(t)
	if n := observations(t, rm, otelsession.DurationMetric, map[string]string{"session2.store.outcome": "miss", "session2.store.kind": "memstore"}); n != 1 {
		t.Errorf("load misses = %d, want 1", n)
	}
	if n := counter(t, rm, otelsession.EventsMetric, map[string]string{"session2.event.kind": "created"}); n != 1 {
		t.Errorf("created events = %d, want 1", n)
	}
}
