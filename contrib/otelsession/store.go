package otelsession

import (
	"context"
	"errors"
	"iter"
	"slices"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/session2/session2/core/session"
)

// Metric names. Their units are s, {error} and {event}.
const (
	// DurationMetric is the histogram of store call durations, in
	// seconds.
	DurationMetric = "session2.store.duration"
	// ErrorsMetric counts the store calls that failed.
	ErrorsMetric = "session2.store.errors"
	// EventsMetric counts session events by kind.
	EventsMetric = "session2.events"
)

// The store operations, in the order of opNames.
const (
	opLoad = iota
	opSave
	opDelete
	opTouch
	opSetup
	opList
	opPrune
	numOps
)

var opNames = [numOps]string{"load", "save", "delete", "touch", "setup", "list", "prune"}

// durationBuckets are the histogram's bucket boundaries, in seconds: from
// 100 µs (an in-memory store) to 10 s (a database in trouble).
var durationBuckets = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// WrapStore returns a store that forwards every call to s and records it:
//
//   - a span named session2.store.load, session2.store.save, and so on for
//     delete, touch, setup, list and prune, with the attributes
//     session2.store.kind, session2.store.operation,
//     session2.store.outcome (hit, miss, conflict, error or ok), error.type
//     on errors, db.system and db.system.name for a database server, and
//     those of [WithAttributes]. The span of a list covers the iteration.
//   - its duration, in the histogram session2.store.duration (seconds);
//   - when it failed, one in the counter session2.store.errors.
//
// A miss (ErrNotFound from load or touch) and a conflict (ErrConflict from
// save) are outcomes of the contract, not errors: their spans are not
// marked failed and the error counter does not count them. No attribute
// ever holds a key or a token, and an error's message, in the span's
// status only, has anything shaped like a key removed.
//
// The store behaves exactly as s does; Capabilities and Close are
// forwarded without a span. The returned store has a method
// Unwrap() session.Store that returns s, to reach the methods of s beyond
// the session.Store interface.
//
// WrapStore panics if s is nil.
func WrapStore(s session.Store, opts ...Option) session.Store {
	if s == nil {
		panic("otelsession: WrapStore of a nil store")
	}
	c := newConfig(opts)
	kind, dbSystem := detect(s)
	if c.kind != "" {
		kind = c.kind
	}
	if c.dbSystem != "" {
		dbSystem = c.dbSystem
	}

	w := &store{next: s}
	switch c.tracerProvider.(type) {
	case tracenoop.TracerProvider, *tracenoop.TracerProvider:
		// No span would ever record: skip them.
	default:
		w.tracer = c.tracerProvider.Tracer(ScopeName)
	}
	switch c.meterProvider.(type) {
	case noop.MeterProvider, *noop.MeterProvider:
		// No measurement would ever be kept: skip them.
	default:
		w.measure = true
	}
	meter := c.meterProvider.Meter(ScopeName)
	var err error
	w.duration, err = meter.Float64Histogram(DurationMetric,
		metric.WithUnit("s"),
		metric.WithDescription("Duration of session store calls."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	if err != nil {
		otel.Handle(err)
		w.duration = noop.Float64Histogram{}
	}
	w.errors, err = meter.Int64Counter(ErrorsMetric,
		metric.WithUnit("{error}"),
		metric.WithDescription("Session store calls that failed."))
	if err != nil {
		otel.Handle(err)
		w.errors = noop.Int64Counter{}
	}

	base := []attribute.KeyValue{StoreKindKey.String(kind)}
	if dbSystem != "" {
		base = append(base, DBSystemKey.String(dbSystem))
	}
	base = append(base, c.attrs...)
	spanKind := trace.SpanKindInternal
	spanBase := base
	if dbSystem != "" {
		spanKind = trace.SpanKindClient
		spanBase = append(slices.Clip(base), DBSystemNameKey.String(dbSystem))
	}
	for op := range numOps {
		opAttr := OperationKey.String(opNames[op])
		w.names[op] = "session2.store." + opNames[op]
		w.spanOpts[op] = []trace.SpanStartOption{
			trace.WithSpanKind(spanKind),
			trace.WithAttributes(append(slices.Clip(spanBase), opAttr)...),
		}
		w.opAttrs[op] = append(slices.Clip(base), opAttr)
		for out := range numOutcomes {
			set := attribute.NewSet(append(slices.Clip(w.opAttrs[op]), OutcomeKey.String(outcomeNames[out]))...)
			w.recordOpts[op][out] = []metric.RecordOption{metric.WithAttributeSet(set)}
		}
	}
	for out := range numOutcomes {
		w.outcomeAttrs[out] = []attribute.KeyValue{OutcomeKey.String(outcomeNames[out])}
	}
	return w
}

// store is the instrumented store WrapStore returns. Everything that does
// not depend on a call's outcome is computed once. With the no-op
// providers of the OpenTelemetry API it records nothing at all.
type store struct {
	next     session.Store
	tracer   trace.Tracer // nil: no spans
	measure  bool         // false: no metrics
	duration metric.Float64Histogram
	errors   metric.Int64Counter

	names        [numOps]string
	spanOpts     [numOps][]trace.SpanStartOption
	opAttrs      [numOps][]attribute.KeyValue // kind, db.system, operation, the caller's
	recordOpts   [numOps][numOutcomes][]metric.RecordOption
	outcomeAttrs [numOutcomes][]attribute.KeyValue
}

// Unwrap returns the store that s wraps.
func (s *store) Unwrap() session.Store { return s.next }

// epoch is the origin of the durations: time.Since of a time with a
// monotonic reading reads the monotonic clock alone, which costs half of
// time.Now.
var epoch = time.Now()

// start opens the span of a call of operation op, nil when spans are off,
// and reads the clock when metrics are on.
func (s *store) start(ctx context.Context, op int) (context.Context, trace.Span, time.Duration) {
	var span trace.Span
	if s.tracer != nil {
		ctx, span = s.tracer.Start(ctx, s.names[op], s.spanOpts[op]...)
	}
	var begin time.Duration
	if s.measure {
		begin = time.Since(epoch)
	}
	return ctx, span, begin
}

// end records a call of operation op that began at begin and ended with
// outcome out and error err (nil unless out is outcomeError), and ends
// its span.
func (s *store) end(ctx context.Context, span trace.Span, op int, begin time.Duration, out int, err error) {
	if out != outcomeError {
		if s.measure {
			s.duration.Record(ctx, (time.Since(epoch) - begin).Seconds(), s.recordOpts[op][out]...)
		}
		if span != nil {
			if span.IsRecording() {
				span.SetAttributes(s.outcomeAttrs[out]...)
			}
			span.End()
		}
		return
	}
	et := ErrorTypeKey.String(errorType(err))
	if s.measure {
		set := attribute.NewSet(append(slices.Clip(s.opAttrs[op]), OutcomeKey.String(outcomeNames[outcomeError]), et)...)
		s.duration.Record(ctx, (time.Since(epoch) - begin).Seconds(), metric.WithAttributeSet(set))
		s.errors.Add(ctx, 1, metric.WithAttributeSet(set))
	}
	if span != nil {
		if span.IsRecording() {
			span.SetAttributes(OutcomeKey.String(outcomeNames[outcomeError]), et)
			span.SetStatus(codes.Error, redact(err.Error()))
		}
		span.End()
	}
}

// outcome classifies a call's error: nil is ok, and the errors the
// contract expects of an operation (notFound, conflict) are their
// outcomes.
func outcome(err error, notFound, conflict bool) int {
	switch {
	case err == nil:
		return outcomeOK
	case notFound && errors.Is(err, session.ErrNotFound):
		return outcomeMiss
	case conflict && errors.Is(err, session.ErrConflict):
		return outcomeConflict
	}
	return outcomeError
}

// Load implements session.Store.
func (s *store) Load(ctx context.Context, key string) (session.Record, error) {
	ctx, span, begin := s.start(ctx, opLoad)
	rec, err := s.next.Load(ctx, key)
	out := outcome(err, true, false)
	if out == outcomeOK {
		out = outcomeHit
	}
	s.end(ctx, span, opLoad, begin, out, errIf(out, err))
	return rec, err
}

// Save implements session.Store.
func (s *store) Save(ctx context.Context, key string, rec session.Record) error {
	ctx, span, begin := s.start(ctx, opSave)
	err := s.next.Save(ctx, key, rec)
	out := outcome(err, false, true)
	s.end(ctx, span, opSave, begin, out, errIf(out, err))
	return err
}

// Delete implements session.Store.
func (s *store) Delete(ctx context.Context, key string) error {
	ctx, span, begin := s.start(ctx, opDelete)
	err := s.next.Delete(ctx, key)
	out := outcome(err, false, false)
	s.end(ctx, span, opDelete, begin, out, errIf(out, err))
	return err
}

// Touch implements session.Store.
func (s *store) Touch(ctx context.Context, key string, accessed, expires time.Time) error {
	ctx, span, begin := s.start(ctx, opTouch)
	err := s.next.Touch(ctx, key, accessed, expires)
	out := outcome(err, true, false)
	s.end(ctx, span, opTouch, begin, out, errIf(out, err))
	return err
}

// Setup implements session.Store.
func (s *store) Setup(ctx context.Context) error {
	ctx, span, begin := s.start(ctx, opSetup)
	err := s.next.Setup(ctx)
	out := outcome(err, false, false)
	s.end(ctx, span, opSetup, begin, out, errIf(out, err))
	return err
}

// List implements session.Store. Its span starts when the iteration
// starts and ends with it, so its duration includes the loop body's.
func (s *store) List(ctx context.Context, f session.Filter) iter.Seq2[session.Entry, error] {
	return func(yield func(session.Entry, error) bool) {
		ctx, span, begin := s.start(ctx, opList)
		n := 0
		var failed error
		defer func() {
			if span != nil && span.IsRecording() {
				span.SetAttributes(RecordsKey.Int(n))
			}
			out := outcome(failed, false, false)
			s.end(ctx, span, opList, begin, out, failed)
		}()
		for e, err := range s.next.List(ctx, f) {
			if err != nil {
				failed = err
			} else {
				n++
			}
			if !yield(e, err) {
				return
			}
		}
	}
}

// Prune implements session.Store.
func (s *store) Prune(ctx context.Context, f session.Filter) (int, error) {
	ctx, span, begin := s.start(ctx, opPrune)
	n, err := s.next.Prune(ctx, f)
	if span != nil && span.IsRecording() {
		span.SetAttributes(RecordsKey.Int(n))
	}
	out := outcome(err, false, false)
	s.end(ctx, span, opPrune, begin, out, errIf(out, err))
	return n, err
}

// Capabilities implements session.Store.
func (s *store) Capabilities() session.Capabilities { return s.next.Capabilities() }

// Close implements session.Store.
func (s *store) Close() error { return s.next.Close() }

// errIf returns err when out is outcomeError, nil otherwise.
func errIf(out int, err error) error {
	if out == outcomeError {
		return err
	}
	return nil
}
