package test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/session2/session2/contrib/otelsession"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
	"github.com/session2/session2/stores/memstore"
)

// telemetry is an SDK that keeps what it records in memory.
type telemetry struct {
	spans  *tracetest.InMemoryExporter
	tp     *sdktrace.TracerProvider
	reader *sdkmetric.ManualReader
	mp     *sdkmetric.MeterProvider
	// requests are the requests' own spans, set aside by takeSpans.
	requests tracetest.SpanStubs
}

func newTelemetry(t *testing.T) *telemetry {
	tel := &telemetry{spans: tracetest.NewInMemoryExporter(), reader: sdkmetric.NewManualReader()}
	tel.tp = sdktrace.NewTracerProvider(sdktrace.WithSyncer(tel.spans))
	tel.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(tel.reader))
	t.Cleanup(func() {
		_ = tel.tp.Shutdown(context.Background())
		_ = tel.mp.Shutdown(context.Background())
	})
	return tel
}

func (tel *telemetry) options(extra ...otelsession.Option) []otelsession.Option {
	return append([]otelsession.Option{
		otelsession.WithTracerProvider(tel.tp),
		otelsession.WithMeterProvider(tel.mp),
	}, extra...)
}

// takeSpans returns the spans ended since the last call, except the
// requests' own.
func (tel *telemetry) takeSpans() tracetest.SpanStubs {
	all := tel.spans.GetSpans()
	tel.spans.Reset()
	var out tracetest.SpanStubs
	for _, s := range all {
		if s.Name == "request" {
			tel.requests = append(tel.requests, s)
		} else {
			out = append(out, s)
		}
	}
	return out
}

// collect reads the metrics recorded so far (cumulative).
func (tel *telemetry) collect(t *testing.T) metricdata.ResourceMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := tel.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("collect: %v", err)
	}
	return rm
}

// find returns the metric of that name, or fails the test.
func find(t *testing.T, rm metricdata.ResourceMetrics, name string) metricdata.Metrics {
	t.Helper()
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				if sm.Scope.Name != otelsession.ScopeName {
					t.Errorf("%s: scope %q, want %q", name, sm.Scope.Name, otelsession.ScopeName)
				}
				return m
			}
		}
	}
	t.Fatalf("no metric %s", name)
	return metricdata.Metrics{}
}

// matches reports whether set has every attribute of want.
func matches(set attribute.Set, want map[string]string) bool {
	for k, v := range want {
		got, ok := set.Value(attribute.Key(k))
		if !ok || got.Emit() != v {
			return false
		}
	}
	return true
}

// counter sums the points of an int64 counter whose attributes match.
func counter(t *testing.T, rm metricdata.ResourceMetrics, name string, want map[string]string) int64 {
	t.Helper()
	m := find(t, rm, name)
	sum, ok := m.Data.(metricdata.Sum[int64])
	if !ok {
		t.Fatalf("%s is a %T, want a Sum[int64]", name, m.Data)
	}
	if !sum.IsMonotonic {
		t.Errorf("%s is not monotonic", name)
	}
	var n int64
	for _, p := range sum.DataPoints {
		if matches(p.Attributes, want) {
			n += p.Value
		}
	}
	return n
}

// observations counts the measurements of a histogram whose attributes
// match.
func observations(t *testing.T, rm metricdata.ResourceMetrics, name string, want map[string]string) uint64 {
	t.Helper()
	m := find(t, rm, name)
	h, ok := m.Data.(metricdata.Histogram[float64])
	if !ok {
		t.Fatalf("%s is a %T, want a Histogram[float64]", name, m.Data)
	}
	var n uint64
	for _, p := range h.DataPoints {
		if matches(p.Attributes, want) {
			n += p.Count
		}
	}
	return n
}

// summary lists spans as "name outcome", for messages.
func summary(spans tracetest.SpanStubs) []string {
	var out []string
	for _, s := range spans {
		o := ""
		for _, a := range s.Attributes {
			if a.Key == otelsession.OutcomeKey {
				o = a.Value.Emit()
			}
		}
		out = append(out, s.Name+" "+o)
	}
	return out
}

func attr(kvs []attribute.KeyValue, key attribute.Key) string {
	for _, a := range kvs {
		if a.Key == key {
			return a.Value.Emit()
		}
	}
	return ""
}

var errRefused = &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}

// takeDown makes st's request-time calls fail as a refused connection
// would, as when the store's server goes down.
func takeDown(st *sessiontest.Wrapper) {
	for _, op := range []sessiontest.Op{sessiontest.Load, sessiontest.Save, sessiontest.Delete, sessiontest.Touch} {
		st.Before(op, func(_ context.Context, key string, _ session.Record, _ error) error {
			// Some stores name the key in their errors; the span must not.
			return fmt.Errorf("teststore: %s %s: %w", op, key, errRefused)
		})
	}
}

// site is an application behind the session middleware, with a span per
// request as otelhttp would start.
type site struct {
	tel    *telemetry
	store  *sessiontest.Wrapper
	mgr    *session.Manager[session.Map]
	srv    *httptest.Server
	loaded chan struct{} // /hold: the session is loaded
	resume chan struct{} // /hold: go on
}

func newSite(t *testing.T) *site {
	tel := newTelemetry(t)
	ms := memstore.New(memstore.WithSweepInterval(0))
	t.Cleanup(func() { ms.Close() })
	st := sessiontest.Wrap(ms)
	store := otelsession.WrapStore(st, tel.options(
		otelsession.WithStoreKind("memstore"),
		otelsession.WithAttributes(attribute.String("app", "flows")))...)
	mgr, err := session.New[session.Map](store,
		session.WithEventHook(otelsession.EventHook(tel.options(otelsession.WithAttributes(attribute.String("app", "flows")))...)),
		session.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	s := &site{tel: tel, store: st, mgr: mgr, loaded: make(chan struct{}), resume: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if err := mgr.Get(r).SetUser(r.FormValue("user")); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		io.WriteString(w, "ok")
	})
	mux.HandleFunc("GET /get", func(w http.ResponseWriter, r *http.Request) {
		v, _ := mgr.Get(r).Data().GetString(r.FormValue("key"))
		io.WriteString(w, v)
	})
	mux.HandleFunc("GET /set", func(w http.ResponseWriter, r *http.Request) {
		mgr.Get(r).Data().Set(r.FormValue("key"), r.FormValue("value"))
		io.WriteString(w, "ok")
	})
	mux.HandleFunc("GET /hold", func(w http.ResponseWriter, r *http.Request) {
		sess := mgr.Get(r)
		s.loaded <- struct{}{}
		<-s.resume
		sess.Data().Set(r.FormValue("key"), r.FormValue("value"))
		io.WriteString(w, "ok")
	})
	tracer := tel.tp.Tracer("test")
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, span := tracer.Start(r.Context(), "request")
		defer span.End()
		mgr.Handler(mux).ServeHTTP(w, r.WithContext(ctx))
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// client is a browser of the site.
type client struct {
	t    *testing.T
	site *site
	http *http.Client
}

func (s *site) client(t *testing.T) *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{t: t, site: s, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

func (c *client) do(method, path string, wantStatus int) string {
	c.t.Helper()
	req, err := http.NewRequest(method, c.site.srv.URL+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != wantStatus {
		c.t.Fatalf("%s %s: %d %s, want %d", method, path, res.StatusCode, body, wantStatus)
	}
	return string(body)
}

// token returns the session cookie's value.
func (c *client) token() string {
	u, _ := url.Parse(c.site.srv.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == c.site.mgr.CookieName() {
			return ck.Value
		}
	}
	c.t.Fatal("no session cookie")
	return ""
}

func keyOf(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// wantSpans checks the store spans' names and outcomes, in order, and
// that each is a child of the request's span.
func wantSpans(t *testing.T, spans tracetest.SpanStubs, want ...string) {
	t.Helper()
	if got := summary(spans); !slices.Equal(got, want) {
		t.Fatalf("store spans %q, want %q", got, want)
	}
	for _, s := range spans {
		if !s.Parent.IsValid() {
			t.Errorf("span %s has no parent; want the request's span", s.Name)
		}
		if got := attr(s.Attributes, otelsession.StoreKindKey); got != "memstore" {
			t.Errorf("span %s: store kind %q", s.Name, got)
		}
		if got := attr(s.Attributes, "app"); got != "flows" {
			t.Errorf("span %s: app %q, want the WithAttributes value", s.Name, got)
		}
		if got, want := attr(s.Attributes, otelsession.OperationKey), strings.TrimPrefix(s.Name, "session2.store."); got != want {
			t.Errorf("span %s: operation %q", s.Name, got)
		}
		if s.SpanKind != trace.SpanKindInternal {
			t.Errorf("span %s: kind %v, want internal for an in-memory store", s.Name, s.SpanKind)
		}
	}
}

// noSecrets fails if any span or metric attribute, or any span status or
// event, holds the token or the key.
func noSecrets(t *testing.T, tel *telemetry, spans tracetest.SpanStubs, secrets ...string) {
	t.Helper()
	check := func(where, v string) {
		for _, s := range secrets {
			if strings.Contains(v, s) {
				t.Errorf("%s holds a token or key: %q", where, v)
			}
		}
	}
	for _, s := range spans {
		check(s.Name+" status", s.Status.Description)
		for _, a := range s.Attributes {
			check(s.Name+" attribute "+string(a.Key), a.Value.Emit())
		}
		for _, e := range s.Events {
			for _, a := range e.Attributes {
				check(s.Name+" event attribute "+string(a.Key), a.Value.Emit())
			}
		}
	}
	rm := tel.collect(t)
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			var sets []attribute.Set
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					sets = append(sets, p.Attributes)
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					sets = append(sets, p.Attributes)
				}
			}
			for _, set := range sets {
				for _, a := range set.ToSlice() {
					check(m.Name+" attribute "+string(a.Key), a.Value.Emit())
				}
			}
		}
	}
}

// TestFlows drives a login, a read, a conflicting write and an outage
// through the middleware and checks the spans and metrics each produces.
func TestFlows(t *testing.T) {
	s := newSite(t)
	tel := s.tel
	c := s.client(t)
	var all tracetest.SpanStubs

	// A login: a new session, stored once.
	c.do("POST", "/login?user=ann", http.StatusOK)
	spans := tel.takeSpans()
	all = append(all, spans...)
	wantSpans(t, spans, "session2.store.save ok")
	rm := tel.collect(t)
	if n := counter(t, rm, otelsession.EventsMetric, map[string]string{"session2.event.kind": "created", "app": "flows"}); n != 1 {
		t.Errorf("created events = %d, want 1", n)
	}
	if n := observations(t, rm, otelsession.DurationMetric, map[string]string{"session2.store.operation": "save", "session2.store.outcome": "ok", "session2.store.kind": "memstore", "app": "flows"}); n != 1 {
		t.Errorf("save durations = %d, want 1", n)
	}
	tok := c.token()

	// A read: one load, a hit.
	if got := c.do("GET", "/set?key=a&value=1", http.StatusOK); got != "ok" {
		t.Fatalf("set: %q", got)
	}
	tel.takeSpans()
	if got := c.do("GET", "/get?key=a", http.StatusOK); got != "1" {
		t.Fatalf("get: %q", got)
	}
	spans = tel.takeSpans()
	all = append(all, spans...)
	wantSpans(t, spans, "session2.store.load hit")
	rm = tel.collect(t)
	if n := observations(t, rm, otelsession.DurationMetric, map[string]string{"session2.store.operation": "load", "session2.store.outcome": "hit"}); n != 2 {
		t.Errorf("load hits = %d, want 2 (the set, the get)", n)
	}

	// A conflicting write: /hold loads, /set changes the record, then
	// /hold saves: a conflict, a reload and a merge.
	done := make(chan string, 1)
	go func() {
		res, err := c.http.Get(s.srv.URL + "/hold?key=b&value=2")
		if err != nil {
			done <- err.Error()
			return
		}
		res.Body.Close()
		done <- res.Status
	}()
	select {
	case <-s.loaded:
	case <-time.After(30 * time.Second):
		t.Fatal("/hold did not load the session within 30 s")
	}
	c.do("GET", "/set?key=c&value=3", http.StatusOK)
	s.resume <- struct{}{}
	if st := <-done; st != "200 OK" {
		t.Fatalf("/hold: %s", st)
	}
	spans = tel.takeSpans()
	all = append(all, spans...)
	got := summary(spans)
	want := []string{"session2.store.load hit", "session2.store.load hit", "session2.store.save ok", "session2.store.save conflict", "session2.store.load hit", "session2.store.save ok"}
	if !slices.Equal(got, want) {
		t.Fatalf("conflicting write: spans %q, want %q", got, want)
	}
	for _, sp := range spans {
		if sp.Status.Code == codes.Error {
			t.Errorf("span %s marked failed; a conflict is an outcome, not an error", sp.Name)
		}
	}
	rm = tel.collect(t)
	if n := counter(t, rm, otelsession.EventsMetric, map[string]string{"session2.event.kind": "merged"}); n != 1 {
		t.Errorf("merged events = %d, want 1", n)
	}
	if n := observations(t, rm, otelsession.DurationMetric, map[string]string{"session2.store.operation": "save", "session2.store.outcome": "conflict"}); n != 1 {
		t.Errorf("save conflicts = %d, want 1", n)
	}
	if got := c.do("GET", "/get?key=b", http.StatusOK) + c.do("GET", "/get?key=c", http.StatusOK); got != "23" {
		t.Errorf("after the merge b+c = %q, want both writes", got)
	}
	tel.takeSpans()

	// An outage: the store fails; the request gets a 503.
	takeDown(s.store)
	c.do("GET", "/get?key=a", http.StatusServiceUnavailable)
	spans = tel.takeSpans()
	all = append(all, spans...)
	wantSpans(t, spans, "session2.store.load error")
	sp := spans[0]
	if sp.Status.Code != codes.Error || !strings.Contains(sp.Status.Description, "connection refused") {
		t.Errorf("failed load: status %v %q, want an error naming the cause", sp.Status.Code, sp.Status.Description)
	}
	if got := attr(sp.Attributes, otelsession.ErrorTypeKey); got != "net.OpError" {
		t.Errorf("failed load: error.type %q, want net.OpError", got)
	}
	rm = tel.collect(t)
	if n := counter(t, rm, otelsession.ErrorsMetric, map[string]string{"session2.store.operation": "load", "error.type": "net.OpError", "session2.store.kind": "memstore"}); n != 1 {
		t.Errorf("load errors = %d, want 1", n)
	}
	if n := counter(t, rm, otelsession.EventsMetric, map[string]string{"session2.event.kind": "store-error", "error.type": "net.OpError"}); n != 1 {
		t.Errorf("store-error events = %d, want 1", n)
	}
	if n := counter(t, rm, otelsession.ErrorsMetric, nil); n != 1 {
		t.Errorf("errors in all = %d, want the outage's 1 (misses and conflicts are not errors)", n)
	}

	// The requests' spans got the events.
	var events []string
	for _, r := range tel.requests {
		for _, e := range r.Events {
			if e.Name == otelsession.EventName {
				events = append(events, attr(e.Attributes, otelsession.EventKindKey))
			}
		}
	}
	for _, k := range []string{"created", "merged", "store-error"} {
		if !slices.Contains(events, k) {
			t.Errorf("request span events %q lack %s", events, k)
		}
	}
	all = append(all, tel.requests...)
	noSecrets(t, tel, all, tok, keyOf(tok))
}

// Kinds the hook has not seen before are counted by their String: the
// hook has no list of kinds.
func TestEventKinds(t *testing.T) {
	tel := newTelemetry(t)
	hook := otelsession.EventHook(tel.options()...)
	var kinds []string
	for k := session.EventKind(1); k.String() != "unknown"; k++ {
		hook(session.Event{Kind: k})
		hook(session.Event{Kind: k})
		kinds = append(kinds, k.String())
	}
	hook(session.Event{Kind: 1000})
	hook(session.Event{Kind: session.EventStoreError, Err: context.DeadlineExceeded})
	if len(kinds) < 8 {
		t.Fatalf("only %d kinds: %q", len(kinds), kinds)
	}
	rm := tel.collect(t)
	for _, k := range kinds {
		want := int64(2)
		if k == "store-error" {
			want = 3
		}
		if n := counter(t, rm, otelsession.EventsMetric, map[string]string{"session2.event.kind": k}); n != want {
			t.Errorf("%s: %d, want %d", k, n, want)
		}
	}
	if n := counter(t, rm, otelsession.EventsMetric, map[string]string{"session2.event.kind": "unknown"}); n != 1 {
		t.Errorf("unknown: %d, want 1", n)
	}
	if n := counter(t, rm, otelsession.EventsMetric, map[string]string{"error.type": "context.DeadlineExceeded"}); n != 1 {
		t.Errorf("store error with a deadline: %d, want 1", n)
	}
	m := find(t, rm, otelsession.EventsMetric)
	if m.Unit != "{event}" {
		t.Errorf("unit %q", m.Unit)
	}
}
