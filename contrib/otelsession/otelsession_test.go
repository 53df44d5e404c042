package otelsession_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/session2/session2/conformance"
	"github.com/session2/session2/contrib/otelsession"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/memstore"
)

// newWrapped returns a memstore behind WrapStore, with the global
// (no-op) providers.
func newWrapped(t *testing.T) session.Store {
	ms := memstore.New(memstore.WithSweepInterval(0))
	t.Cleanup(func() { ms.Close() })
	s := otelsession.WrapStore(ms)
	if err := s.Setup(context.Background()); err != nil {
		t.Fatalf("setup: %v", err)
	}
	return s
}

// The wrapped store keeps the store contract.
func TestStoreConformance(t *testing.T) {
	conformance.TestStore(t, newWrapped)
}

// The request lifecycle through the wrapped store is the core's.
func TestAdapterConformance(t *testing.T) {
	conformance.TestAdapterOn(t, newWrapped, conformance.NetHTTP)
}

func TestUnwrap(t *testing.T) {
	ms := memstore.New()
	defer ms.Close()
	s := otelsession.WrapStore(ms)
	u, ok := s.(interface{ Unwrap() session.Store })
	if !ok || u.Unwrap() != session.Store(ms) {
		t.Fatalf("Unwrap: %v, %v; want the memstore", ok, u)
	}
}

func TestWrapNilPanics(t *testing.T) {
	defer func() {
		if v := recover(); v == nil || !strings.HasPrefix(fmt.Sprint(v), "otelsession: ") {
			t.Errorf("recovered %v, want an otelsession panic", v)
		}
	}()
	otelsession.WrapStore(nil)
}

func TestErrorType(t *testing.T) {
	opErr := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("memstore: load: %w", session.ErrClosed), "session.ErrClosed"},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), "context.DeadlineExceeded"},
		{fmt.Errorf("x: %w", fmt.Errorf("y: %w", context.Canceled)), "context.Canceled"},
		{fmt.Errorf("postgresstore: load: %w", opErr), "net.OpError"},
		{fmt.Errorf("filestore: %w", &os.PathError{Op: "open", Path: "/x", Err: errors.New("boom")}), "fs.PathError"},
		{errors.New("plain"), "_OTHER"},
		{fmt.Errorf("wrapped: %w", errors.New("plain")), "_OTHER"},
		{errors.Join(errors.New("a"), errors.New("b")), "_OTHER"},
	} {
		if got := otelsession.ErrorTypeOf(tc.err); got != tc.want {
			t.Errorf("error.type of %v = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestRedact(t *testing.T) {
	key := strings.Repeat("ab12", 16)
	for _, tc := range []struct{ in, want string }{
		{"filestore: load /var/s/" + key + ": permission denied", "filestore: load /var/s/[key]: permission denied"},
		{key, "[key]"},
		{"dial tcp 127.0.0.1:5432: connection refused", "dial tcp 127.0.0.1:5432: connection refused"},
		{"deadbeef", "deadbeef"},
		{"", ""},
	} {
		if got := otelsession.Redact(tc.in); got != tc.want {
			t.Errorf("redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// sqlLike has the method set of the SQL stores' *sqlstore.Store that
// detection looks at.
type sqlLike struct{ session.Store }

type fakeDB struct{ driver string }

func (d *fakeDB) DriverName() string { return d.driver }
func (sqlLike) DB() *fakeDB          { return &fakeDB{"mysql"} }

type named struct{ session.Store }

func (named) DBSystem() string { return "mariadb" }

type nilDB struct{ session.Store }

func (nilDB) DB() *fakeDB { return nil }

type panicky struct{ session.Store }

func (panicky) DB() *fakeDB { panic("no") }

func TestDetect(t *testing.T) {
	ms := memstore.New()
	defer ms.Close()
	for _, tc := range []struct {
		s              session.Store
		kind, dbSystem string
	}{
		{ms, "memstore", ""},
		{named{ms}, "otelsession_test", "mariadb"},
		{sqlLike{ms}, "otelsession_test", ""},
		{nilDB{ms}, "otelsession_test", ""},
		{panicky{ms}, "otelsession_test", ""},
	} {
		kind, sys := otelsession.Detect(tc.s)
		if kind != tc.kind || sys != tc.dbSystem {
			t.Errorf("detect(%T) = %q, %q; want %q, %q", tc.s, kind, sys, tc.kind, tc.dbSystem)
		}
	}
	if got := otelsession.DriverName(sqlLike{ms}); got != "mysql" {
		t.Errorf("driver name = %q, want mysql", got)
	}
	for _, s := range []any{nilDB{ms}, panicky{ms}, ms, 42} {
		if got := otelsession.DriverName(s); got != "" {
			t.Errorf("driver name of %T = %q, want none", s, got)
		}
	}
}

// failing fails every call, as a store whose server is down.
type failing struct{ session.Store }

var errDown = &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}

func (failing) Load(context.Context, string) (session.Record, error) {
	return session.Record{}, fmt.Errorf("x: load: %w", errDown)
}
func (failing) List(context.Context, session.Filter) iter.Seq2[session.Entry, error] {
	return func(yield func(session.Entry, error) bool) { yield(session.Entry{}, errDown) }
}

// The wrapper returns the wrapped store's results and errors unchanged.
func TestPassThrough(t *testing.T) {
	ms := memstore.New()
	defer ms.Close()
	s := otelsession.WrapStore(failing{ms})
	ctx := context.Background()
	if _, err := s.Load(ctx, strings.Repeat("a", 64)); !errors.Is(err, errDown) {
		t.Errorf("load: %v", err)
	}
	n := 0
	for _, err := range s.List(ctx, session.Filter{}) {
		n++
		if !errors.Is(err, errDown) {
			t.Errorf("list: %v", err)
		}
	}
	if n != 1 {
		t.Errorf("list yielded %d pairs, want 1", n)
	}
	if got, want := s.Capabilities(), ms.Capabilities(); got != want {
		t.Errorf("capabilities %+v, want %+v", got, want)
	}
	if err := s.Touch(ctx, strings.Repeat("b", 64), time.Now(), time.Now().Add(time.Hour)); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("touch of a missing key: %v", err)
	}
}
