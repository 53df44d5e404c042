package otelsession

import (
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of the tracer and the meter this
// package uses.
const ScopeName = "github.com/session2/session2/contrib/otelsession"

// An Option configures [WrapStore] or [EventHook].
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config is what the options set.
type config struct {
	tracerProvider trace.TracerProvider
	meterProvider  metric.MeterProvider
	attrs          []attribute.KeyValue
	kind           string
	dbSystem       string
}

func newConfig(opts []Option) config {
	var c config
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	if c.tracerProvider == nil {
		c.tracerProvider = otel.GetTracerProvider()
	}
	if c.meterProvider == nil {
		c.meterProvider = otel.GetMeterProvider()
	}
	return c
}

// WithTracerProvider sets the tracer provider the spans are created with.
// The default, or a nil tp, is the global provider ([otel.GetTracerProvider]),
// which forwards to the SDK the application installs, even after WrapStore.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return optionFunc(func(c *config) { c.tracerProvider = tp })
}

// WithMeterProvider sets the meter provider the metrics are recorded with.
// The default, or a nil mp, is the global provider ([otel.GetMeterProvider]),
// which forwards to the SDK the application installs, even after WrapStore
// or EventHook. The API's no-op provider turns the measurements off.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) { c.meterProvider = mp })
}

// WithAttributes adds attributes to every span and every measurement, such
// as the name of the application's store when it has several. Keep their
// values few: each distinct set is a separate time series.
func WithAttributes(attrs ...attribute.KeyValue) Option {
	return optionFunc(func(c *config) { c.attrs = append(c.attrs, attrs...) })
}

// WithStoreKind sets the value of the session2.store.kind attribute. By
// default it is the name of the wrapped store's package ("memstore",
// "postgresstore", "redisstore", ...). EventHook ignores it.
func WithStoreKind(kind string) Option {
	return optionFunc(func(c *config) { c.kind = kind })
}

// WithDBSystem sets the db.system attribute, a value of OpenTelemetry's
// semantic conventions such as "postgresql", "mysql", "mariadb" or
// "redis". By default it comes from the store's DBSystem method when it has
// one (func() string), and otherwise is detected for the stores of this
// repository: "postgresql" and "mysql" for the SQL stores, "redis" for the
// Redis store, none for the others. EventHook ignores it.
func WithDBSystem(system string) Option {
	return optionFunc(func(c *config) { c.dbSystem = system })
}
