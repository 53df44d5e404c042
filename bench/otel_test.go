package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/session2/session2/bench/internal/cputime"
	"github.com/session2/session2/contrib/otelsession"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/memstore"
)

// otelStores are the stores BenchmarkOtelStore compares: a memstore as
// it is, and behind otelsession.WrapStore with the no-op providers (which
// the wrapper recognizes, and then records nothing), with the same no-op
// providers hidden in types of their own (so that the wrapper starts
// spans and reads the clock, for providers that do nothing), and with the
// global providers of a program that installed no SDK (which is what an
// application gets before it configures OpenTelemetry).
var otelStores = []struct {
	name string
	wrap func(session.Store) session.Store
}{
	{"memstore", func(s session.Store) session.Store { return s }},
	{"otel-noop", func(s session.Store) session.Store {
		return otelsession.WrapStore(s,
			otelsession.WithTracerProvider(tracenoop.NewTracerProvider()),
			otelsession.WithMeterProvider(metricnoop.NewMeterProvider()))
	}},
	{"otel-opaque", func(s session.Store) session.Store {
		return otelsession.WrapStore(s,
			otelsession.WithTracerProvider(opaqueTracerProvider{tracenoop.NewTracerProvider()}),
			otelsession.WithMeterProvider(opaqueMeterProvider{metricnoop.NewMeterProvider()}))
	}},
	{"otel-global", func(s session.Store) session.Store { return otelsession.WrapStore(s) }},
}

// opaqueTracerProvider and opaqueMeterProvider are no-op providers the
// wrapper cannot tell from real ones.
type opaqueTracerProvider struct{ trace.TracerProvider }
type opaqueMeterProvider struct{ metric.MeterProvider }

// storeOps are the calls the manager makes while serving requests, each
// as a function of the call's index, on a store holding one record under
// key at version 1.
var storeOps = []struct {
	name string
	call func(ctx context.Context, s session.Store, key string, i int) error
}{
	{"load", func(ctx context.Context, s session.Store, key string, _ int) error {
		_, err := s.Load(ctx, key)
		return err
	}},
	{"save", func(ctx context.Context, s session.Store, key string, i int) error {
		rec := benchRecord()
		rec.Version = uint64(i + 1)
		return s.Save(ctx, key, rec)
	}},
	{"touch", func(ctx context.Context, s session.Store, key string, _ int) error {
		now := time.Now()
		return s.Touch(ctx, key, now, now.Add(time.Hour))
	}},
	{"delete-missing", func(ctx context.Context, s session.Store, _ string, i int) error {
		return s.Delete(ctx, missingKey)
	}},
}

var missingKey = fmt.Sprintf("%064x", 0)

func benchRecord() session.Record {
	now := time.Now()
	return session.Record{User: "ann", Data: []byte(`{"counter":1}`), Created: now, Accessed: now, Expires: now.Add(time.Hour)}
}

// newOtelStore returns a memstore holding one record, and its key.
func newOtelStore(tb testing.TB, wrap func(session.Store) session.Store) (session.Store, string) {
	ms := memstore.New(memstore.WithSweepInterval(0))
	tb.Cleanup(func() { ms.Close() })
	var b [32]byte
	_, _ = rand.Read(b[:])
	key := hex.EncodeToString(b[:])
	if err := ms.Save(context.Background(), key, benchRecord()); err != nil {
		tb.Fatal(err)
	}
	return wrap(ms), key
}

// BenchmarkOtelStore measures each request-time store call on a memstore,
// unwrapped and through otelsession.WrapStore: the difference is the
// wrapper's overhead (budget: 150 ns and 2 allocations per call with the
// no-op providers). Besides ns/op (wall time) it reports cpu-ns/op, the
// process's CPU time per call, which waiting for a CPU on a busy machine
// does not inflate. benchstat lines them up with -col /store.
func BenchmarkOtelStore(b *testing.B) {
	for _, op := range storeOps {
		b.Run("op="+op.name, func(b *testing.B) {
			for _, st := range otelStores {
				b.Run("store="+st.name, func(b *testing.B) {
					s, key := newOtelStore(b, st.wrap)
					ctx := context.Background()
					b.ReportAllocs()
					b.ResetTimer()
					cpu0, cpuOK := cputime.Process()
					for i := 0; i < b.N; i++ {
						if err := op.call(ctx, s, key, i); err != nil {
							b.Fatal(err)
						}
					}
					b.StopTimer()
					if cpu1, ok := cputime.Process(); ok && cpuOK {
						b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
					}
				})
			}
		})
	}
}

// TestOtelAllocs checks the allocation half of the wrapper's budget, which
// unlike time does not depend on the machine: at most 2 allocations per
// store call more than the unwrapped store, with the no-op providers,
// recognized or not. It logs the count with the global providers too (the
// global tracer's placeholder span costs more than the no-op one).
func TestOtelAllocs(t *testing.T) {
	ctx := context.Background()
	for _, op := range storeOps {
		allocs := make([]float64, len(otelStores))
		for j, st := range otelStores {
			s, key := newOtelStore(t, st.wrap)
			i := 0
			allocs[j] = testing.AllocsPerRun(200, func() {
				if err := op.call(ctx, s, key, i); err != nil {
					t.Fatal(err)
				}
				i++
			})
		}
		for j := 1; j < len(otelStores); j++ {
			extra := allocs[j] - allocs[0]
			t.Logf("%s: %s %.0f allocs, %s %.0f: %+.0f", op.name, otelStores[0].name, allocs[0], otelStores[j].name, allocs[j], extra)
			if otelStores[j].name != "otel-global" && extra > 2 {
				t.Errorf("%s through %s: %.0f allocations more than unwrapped, budget 2", op.name, otelStores[j].name, extra)
			}
		}
	}
}
