package main

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/session2/session2/contrib/otelsession"
	"github.com/session2/session2/core/session"
)

// metrics is the demo's OpenTelemetry setup under -metrics: an SDK meter
// provider whose reader is the Prometheus exporter, on a registry of its
// own, which /metrics serves and the sessions page reads. A nil *metrics
// (no -metrics) changes nothing.
type metrics struct {
	registry *prometheus.Registry
	provider *sdkmetric.MeterProvider
}

// newMetrics sets up the meter provider and its exporter.
func newMetrics() (*metrics, error) {
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, fmt.Errorf("metrics: prometheus exporter: %w", err)
	}
	return &metrics{registry: reg, provider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))}, nil
}

// wrapStore returns the store with its calls measured.
func (m *metrics) wrapStore(s session.Store) session.Store {
	if m == nil {
		return s
	}
	return otelsession.WrapStore(s, otelsession.WithMeterProvider(m.provider))
}

// managerOptions are the manager's options that count session events.
func (m *metrics) managerOptions() []session.Option {
	if m == nil {
		return nil
	}
	return []session.Option{session.WithEventHook(otelsession.EventHook(otelsession.WithMeterProvider(m.provider)))}
}

// handler serves /metrics in Prometheus text format, and everything else
// with h.
func (m *metrics) handler(h http.Handler) http.Handler {
	if m == nil {
		return h
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{}))
	mux.Handle("/", h)
	return mux
}

// shutdown stops the meter provider.
func (m *metrics) shutdown(ctx context.Context) error {
	if m == nil {
		return nil
	}
	return m.provider.Shutdown(ctx)
}

// countRow is one line of the sessions page's live counts.
type countRow struct {
	Name  string
	Count uint64
}

// counts reads the session2 metrics for the sessions page: events by
// kind, store calls by operation and outcome, and failed store calls.
func (m *metrics) counts() []countRow {
	if m == nil {
		return nil
	}
	families, err := m.registry.Gather()
	if err != nil {
		return nil
	}
	sums := map[string]uint64{}
	for _, f := range families {
		for _, mt := range f.GetMetric() {
			switch promName(f.GetName()) {
			case "session2_events_total":
				sums["event "+label(mt, "session2_event_kind")] += uint64(mt.GetCounter().GetValue())
			case "session2_store_duration_seconds":
				sums["store "+label(mt, "session2_store_operation")+" "+label(mt, "session2_store_outcome")] += mt.GetHistogram().GetSampleCount()
			case "session2_store_errors_total":
				sums["store errors"] += uint64(mt.GetCounter().GetValue())
			}
		}
	}
	rows := make([]countRow, 0, len(sums))
	for name, n := range sums {
		rows = append(rows, countRow{name, n})
	}
	slices.SortFunc(rows, func(a, b countRow) int { return strings.Compare(a.Name, b.Name) })
	return rows
}

// promName returns a metric or label name as the text format writes it:
// the registry keeps OpenTelemetry's dots (Prometheus allows UTF-8 names)
// and the text format escapes them to underscores for older scrapers.
func promName(name string) string { return strings.ReplaceAll(name, ".", "_") }

// label returns the value of a metric's label.
func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if promName(l.GetName()) == name {
			return l.GetValue()
		}
	}
	return ""
}

// The sessions page's live counts, beside its table; nothing without
// -metrics.
var _ = template.Must(sessionsTmpl.New("counts").Parse(`{{if .}}<aside id="counts" style="float: right; margin: 0 0 1rem 1.2rem; font-size: .9rem;">
<table style="width: auto;"><thead><tr><th colspan="2">Live counts (<a href="/metrics">/metrics</a>)</th></tr></thead><tbody>
{{range .}}<tr><td>{{.Name}}</td><td style="text-align: right;">{{.Count}}</td></tr>
{{end}}</tbody></table>
</aside>
{{end}}`))
