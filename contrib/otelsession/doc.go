// Package otelsession records OpenTelemetry traces and metrics for
// session2's session stores and session events.
//
// An application adds two calls:
//
//	store = otelsession.WrapStore(store)
//	mgr, err := session.New[T](store, session.WithEventHook(otelsession.EventHook()))
//
// [WrapStore] gives every store call a span and a duration, and counts
// the calls that failed; [EventHook] counts what happened to sessions
// (created, renewed, merged, store errors, ...). Both use the global
// tracer and meter providers unless told otherwise with
// [WithTracerProvider] and [WithMeterProvider], so they record nothing
// until the application installs an OpenTelemetry SDK, and cost little
// until then.
//
// # Metrics
//
//   - session2.store.duration (histogram, s): duration of store calls, by
//     session2.store.operation, session2.store.outcome,
//     session2.store.kind, error.type and db.system.
//   - session2.store.errors (counter, {error}): store calls that failed,
//     with the same attributes.
//   - session2.events (counter, {event}): session events, by
//     session2.event.kind (and error.type for undecodable records and
//     store errors).
//
// The package depends on OpenTelemetry's API only, never on its SDK or an
// exporter: the application chooses those.
package otelsession
