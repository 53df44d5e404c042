package otelsession

import (
	"context"
	"sync"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"

	"github.com/session2/session2/core/session"
)

// EventName is the name of the span event EventHook adds to the request's
// span, when it is recording.
const EventName = "session2.event"

// EventHook returns a function for [session.WithEventHook] that counts
// each session event in the counter session2.events, with the attribute
// session2.event.kind set to the kind's String ("created", "renewed",
// "destroyed", "undecodable", "merged", "overwritten", "dropped",
// "store-error", and any kind the core adds later), error.type for the
// events that carry an error, and the attributes of [WithAttributes].
// When the request's context holds a recording span (one started by
// otelhttp, say), the event is also added to that span as a span event
// named session2.event with the same attributes.
//
// Of the options, EventHook uses WithMeterProvider and WithAttributes.
// The hook is safe for concurrent use. An application with a hook of its
// own calls both from one function.
func EventHook(opts ...Option) func(session.Event) {
	c := newConfig(opts)
	counter, err := c.meterProvider.Meter(ScopeName).Int64Counter(EventsMetric,
		metric.WithUnit("{event}"),
		metric.WithDescription("Session events, by kind."))
	if err != nil {
		otel.Handle(err)
		counter = noop.Int64Counter{}
	}
	h := &eventHook{counter: counter, attrs: c.attrs}
	return h.record
}

// eventHook counts events; byKind caches the attributes of each kind's
// events without an error.
type eventHook struct {
	counter metric.Int64Counter
	attrs   []attribute.KeyValue
	byKind  sync.Map // session.EventKind → *kindAttrs
}

// kindAttrs are the attributes of the events of one kind, ready for use.
type kindAttrs struct {
	attrs []attribute.KeyValue
	add   []metric.AddOption
	span  []trace.EventOption
}

func (h *eventHook) newKindAttrs(kind session.EventKind, err error) *kindAttrs {
	attrs := make([]attribute.KeyValue, 0, len(h.attrs)+2)
	attrs = append(attrs, EventKindKey.String(kind.String()))
	if err != nil {
		attrs = append(attrs, ErrorTypeKey.String(errorType(err)))
	}
	attrs = append(attrs, h.attrs...)
	return &kindAttrs{
		attrs: attrs,
		add:   []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attrs...))},
		span:  []trace.EventOption{trace.WithAttributes(attrs...)},
	}
}

func (h *eventHook) record(e session.Event) {
	var ka *kindAttrs
	if e.Err == nil {
		if v, ok := h.byKind.Load(e.Kind); ok {
			ka = v.(*kindAttrs)
		} else {
			ka = h.newKindAttrs(e.Kind, nil)
			h.byKind.Store(e.Kind, ka)
		}
	} else {
		ka = h.newKindAttrs(e.Kind, e.Err)
	}
	ctx := context.Background()
	if e.Request != nil {
		ctx = e.Request.Context()
	}
	h.counter.Add(ctx, 1, ka.add...)
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.AddEvent(EventName, ka.span...)
	}
}
