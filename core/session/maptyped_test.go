package session_test

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// roundTrip encodes m with codec and decodes it into a new Map, as a save
// and the next request's load do.
func roundTrip(t *testing.T, codec session.Codec, m *session.Map) *session.Map {
	t.Helper()
	b, err := codec.Encode(m)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	var out session.Map
	if err := codec.Decode(b, &out); err != nil {
		t.Fatalf("decode %q: %v", b, err)
	}
	return &out
}

var codecs = map[string]session.Codec{"json": session.JSONCodec{}, "gob": session.GobCodec{}}

// TestMapBytesRoundTrip: a []byte comes back as a []byte with the same
// bytes, as a value of the Map and within []any and map[string]any.
func TestMapBytesRoundTrip(t *testing.T) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	for name, codec := range codecs {
		var m session.Map
		m.Set("all", all)
		m.Set("empty", []byte{})
		m.Set("list", []any{"x", []byte("in a list")})
		m.Set("nested", map[string]any{"deep": map[string]any{"b": []byte{0, 1}}})
		m.Set("name", "ann")
		got := roundTrip(t, codec, &m)
		if b, ok := got.GetBytes("all"); !ok || !bytes.Equal(b, all) {
			v, _ := got.Get("all")
			t.Errorf("%s: GetBytes(all) = %v, %v; the value is a %T", name, b, ok, v)
		}
		if b, ok := got.GetBytes("empty"); !ok || len(b) != 0 {
			t.Errorf("%s: GetBytes(empty) = %v, %v", name, b, ok)
		}
		want := map[string]any{
			"list":   []any{"x", []byte("in a list")},
			"nested": map[string]any{"deep": map[string]any{"b": []byte{0, 1}}},
		}
		for k, w := range want {
			if v, _ := got.Get(k); !reflect.DeepEqual(v, w) {
				t.Errorf("%s: %s = %#v, want %#v", name, k, v, w)
			}
		}
		if s, _ := got.GetString("name"); s != "ann" {
			t.Errorf("%s: name = %q", name, s)
		}
		// Encoded again, it is the same: the record is not rewritten by a
		// request that changes nothing.
		a, _ := codec.Encode(&m)
		b, _ := codec.Encode(got)
		if name == "json" && !bytes.Equal(a, b) {
			t.Errorf("%s: re-encoded %q, first %q", name, b, a)
		}
	}
	// A record written before []byte values were tagged holds base64:
	// GetAs reads it back.
	var old session.Map
	if err := old.UnmarshalJSON([]byte(`{"b":"AQID"}`)); err != nil {
		t.Fatal(err)
	}
	if b, err := session.GetAs[[]byte](&old, "b"); err != nil || !bytes.Equal(b, []byte{1, 2, 3}) {
		t.Errorf("GetAs[[]byte] of an old record = %v, %v", b, err)
	}
}

// TestMapRoundTripKinds documents what each kind of value comes back as
// after the JSON round trip, and that GetAs reads each back as it was
// set.
func TestMapRoundTripKinds(t *testing.T) {
	type user struct {
		Name  string
		Admin bool
		Key   []byte
	}
	type role string
	when := time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC)
	tests := []struct {
		name   string
		set    any
		getsA  any // what Get returns after the round trip
		readAs func(m *session.Map) (any, error)
	}{
		{"string", "s", "s", nil},
		{"int", 42, 42, nil},
		{"int8", int8(-8), -8, func(m *session.Map) (any, error) { return session.GetAs[int8](m, "k") }},
		{"float", 1.5, 1.5, nil},
		{"bool", true, true, nil},
		{"nil", nil, nil, nil},
		{"bytes", []byte{1, 2}, []byte{1, 2}, nil},
		{"time", when, when.Format(time.RFC3339Nano), func(m *session.Map) (any, error) { t, _ := m.GetTime("k"); return t, nil }},
		{"struct", user{"ann", true, []byte{9}}, map[string]any{"Name": "ann", "Admin": true, "Key": "CQ=="},
			func(m *session.Map) (any, error) { return session.GetAs[user](m, "k") }},
		{"pointer", &user{Name: "bob"}, map[string]any{"Name": "bob", "Admin": false, "Key": nil},
			func(m *session.Map) (any, error) { return session.GetAs[*user](m, "k") }},
		{"strings", []string{"a", "b"}, []any{"a", "b"}, func(m *session.Map) (any, error) { return session.GetAs[[]string](m, "k") }},
		{"typed map", map[string]int{"a": 1}, map[string]any{"a": 1}, func(m *session.Map) (any, error) { return session.GetAs[map[string]int](m, "k") }},
		{"named", role("admin"), "admin", func(m *session.Map) (any, error) { return session.GetAs[role](m, "k") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m session.Map
			m.Set("k", tt.set)
			got := roundTrip(t, session.JSONCodec{}, &m)
			if v, _ := got.Get("k"); !reflect.DeepEqual(v, tt.getsA) {
				t.Errorf("Get after the round trip = %#v (%T), want %#v (%T)", v, v, tt.getsA, tt.getsA)
			}
			if tt.readAs == nil {
				return
			}
			back, err := tt.readAs(got)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, tt.set) {
				t.Errorf("read back as %#v, want %#v", back, tt.set)
			}
		})
	}
}

func TestGetAsErrors(t *testing.T) {
	var m session.Map
	m.Set("n", "not a number")
	if _, err := session.GetAs[int](&m, "missing"); !errors.Is(err, session.ErrNotFound) || !strings.Contains(err.Error(), `"missing"`) {
		t.Errorf("missing key: %v, want ErrNotFound naming the key", err)
	}
	_, err := session.GetAs[int](&m, "n")
	if err == nil || !strings.Contains(err.Error(), `Map key "n" holds a string, which does not decode into a int`) {
		t.Errorf("wrong shape: %v", err)
	}
	m.Set("same", 7)
	if n, err := session.GetAs[int](&m, "same"); n != 7 || err != nil {
		t.Errorf("a value of the type asked: %v, %v", n, err)
	}
}

func TestMapPop(t *testing.T) {
	var m session.Map
	m.Set("msg", "saved")
	m.Set("n", 3)
	got := roundTrip(t, session.JSONCodec{}, &m)
	if v, ok := got.Pop("msg"); v != "saved" || !ok {
		t.Errorf("Pop = %v, %v", v, ok)
	}
	if v, ok := got.Pop("msg"); v != nil || ok {
		t.Errorf("second Pop = %v, %v, want nothing", v, ok)
	}
	// A value of another type is left in place.
	if s, ok := got.PopString("n"); s != "" || ok {
		t.Errorf("PopString of an int = %q, %v", s, ok)
	}
	if n, ok := got.PopInt("n"); n != 3 || !ok {
		t.Errorf("PopInt = %v, %v", n, ok)
	}
	if got.Len() != 0 {
		t.Errorf("after the pops: %v", got.Keys())
	}
	// The pops are saved: the round trip holds nothing.
	if again := roundTrip(t, session.JSONCodec{}, got); again.Len() != 0 {
		t.Errorf("after a save: %v", again.Keys())
	}

	when := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	m.Clear()
	m.Set("b", []byte("x"))
	m.Set("t", when)
	m.Set("f", 2.5)
	m.Set("yes", true)
	m.Set("big", int64(1)<<40)
	got = roundTrip(t, session.JSONCodec{}, &m)
	if b, ok := got.PopBytes("b"); string(b) != "x" || !ok {
		t.Errorf("PopBytes = %q, %v", b, ok)
	}
	if v, ok := got.PopTime("t"); !v.Equal(when) || !ok {
		t.Errorf("PopTime = %v, %v", v, ok)
	}
	if v, ok := got.PopFloat64("f"); v != 2.5 || !ok {
		t.Errorf("PopFloat64 = %v, %v", v, ok)
	}
	if v, ok := got.PopBool("yes"); !v || !ok {
		t.Errorf("PopBool = %v, %v", v, ok)
	}
	if v, ok := got.PopInt64("big"); v != 1<<40 || !ok {
		t.Errorf("PopInt64 = %v, %v", v, ok)
	}
	if keys := got.Keys(); len(keys) != 0 {
		t.Errorf("left after the pops: %v", keys)
	}
}

// TestMapPopOnce: of goroutines popping one key, exactly one gets it.
func TestMapPopOnce(t *testing.T) {
	for range 50 {
		var m session.Map
		m.Set("k", "v")
		var wg sync.WaitGroup
		var mu sync.Mutex
		n := 0
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, ok := m.PopString("k"); ok {
					mu.Lock()
					n++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if n != 1 {
			t.Fatalf("%d goroutines popped the key", n)
		}
	}
}

// TestMapUnencodableFailsCommit: a value JSON cannot encode fails the
// commit with an error naming its key and type, answered 500, and
// nothing is saved.
func TestMapUnencodableFailsCommit(t *testing.T) {
	cases := map[string]struct {
		v    any
		want string
	}{
		"chan":     {make(chan int), `Map key "c" holds a chan int, which JSON cannot encode`},
		"func":     {func() {}, `Map key "c" holds a func(), which JSON cannot encode`},
		"reserved": {map[string]any{"\x00bytes": "AQID"}, `Map key "c" holds a map with the key "\x00bytes": map keys starting with a NUL byte are reserved`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			store := sessiontest.NewStore()
			var got error
			m, err := session.New[session.Map](store, session.WithLogger(quietLogger()),
				session.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, err error) {
					got = err
					w.WriteHeader(http.StatusInternalServerError)
				}))
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := m.Get(r)
				s.Data().Set("ok", "fine")
				s.Data().Set("c", tc.v)
			})))
			defer srv.Close()
			res, err := http.Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 500 || !errors.Is(got, session.ErrUnencodable) || !strings.Contains(got.Error(), tc.want) {
				t.Errorf("status %d, error %v; want 500 and an ErrUnencodable saying %s", res.StatusCode, got, tc.want)
			}
			if store.Len() != 0 || len(res.Cookies()) != 0 {
				t.Errorf("saved %d records, sent %d cookies", store.Len(), len(res.Cookies()))
			}
		})
	}
	// The default error handler answers 500 too.
	m := sessiontest.NewManager[session.Map](t, session.WithLogger(quietLogger()))
	rec := httptest.NewRecorder()
	m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.Get(r).Data().Set("c", make(chan int))
	})).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 500 {
		t.Errorf("default error handler: %d, want 500", rec.Code)
	}
}

// quietLogger is a logger that writes nothing.
func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
