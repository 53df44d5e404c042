package session_test

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
)

// The typed getters take what a handler Set in the same request, of any
// Go number type, and refuse what has no exact value of the asked type.
func TestMapNumberGetters(t *testing.T) {
	type want struct {
		i64  int64
		i64k bool
		f64  float64
		f64k bool
	}
	cases := []struct {
		name string
		v    any
		want want
	}{
		{"int", int(-7), want{-7, true, -7, true}},
		{"int8", int8(-8), want{-8, true, -8, true}},
		{"int16", int16(16), want{16, true, 16, true}},
		{"int32", int32(-32), want{-32, true, -32, true}},
		{"int64", int64(1) << 40, want{1 << 40, true, 1 << 40, true}},
		{"uint", uint(7), want{7, true, 7, true}},
		{"uint8", uint8(8), want{8, true, 8, true}},
		{"uint16", uint16(16), want{16, true, 16, true}},
		{"uint32", uint32(32), want{32, true, 32, true}},
		{"uint64 small", uint64(64), want{64, true, 64, true}},
		{"uint64 over int64", uint64(math.MaxUint64), want{0, false, math.MaxUint64, true}},
		{"float64 whole", 3.0, want{3, true, 3, true}},
		{"float64 fraction", 2.5, want{0, false, 2.5, true}},
		{"float64 out of range", 1e19, want{0, false, 1e19, true}},
		{"float32 whole", float32(4), want{4, true, 4, true}},
		{"float32 fraction", float32(0.5), want{0, false, 0.5, true}},
		{"json.Number int", json.Number("12"), want{12, true, 12, true}},
		{"json.Number float", json.Number("1.25"), want{0, false, 1.25, true}},
		{"json.Number bad", json.Number("x"), want{0, false, 0, false}},
		{"string", "12", want{0, false, 0, false}},
		{"bool", true, want{0, false, 0, false}},
	}
	for _, c := range cases {
		var m session.Map
		m.Set("k", c.v)
		i64, i64k := m.GetInt64("k")
		f64, f64k := m.GetFloat64("k")
		if i64k != c.want.i64k || (i64k && i64 != c.want.i64) {
			t.Errorf("%s: GetInt64 = %d, %v; want %d, %v", c.name, i64, i64k, c.want.i64, c.want.i64k)
		}
		if f64k != c.want.f64k || (f64k && f64 != c.want.f64) {
			t.Errorf("%s: GetFloat64 = %v, %v; want %v, %v", c.name, f64, f64k, c.want.f64, c.want.f64k)
		}
		if n, ok := m.GetInt("k"); ok != c.want.i64k || (ok && int64(n) != c.want.i64) {
			t.Errorf("%s: GetInt = %d, %v", c.name, n, ok)
		}
	}
	var m session.Map
	if _, ok := m.GetInt64("missing"); ok {
		t.Error("GetInt64 of a missing key reported ok")
	}
}

// GetTime takes a time.Time as Set, and its RFC 3339 string as it comes
// back from the store; anything else is refused.
func TestMapGetTime(t *testing.T) {
	when := time.Date(2030, 5, 6, 7, 8, 9, 123456789, time.UTC)
	var m session.Map
	m.Set("t", when)
	m.Set("s", when.Format(time.RFC3339Nano))
	m.Set("bad", "yesterday")
	m.Set("n", 5)
	for _, k := range []string{"t", "s"} {
		if got, ok := m.GetTime(k); !ok || !got.Equal(when) {
			t.Errorf("GetTime(%q) = %v, %v; want %v", k, got, ok, when)
		}
	}
	for _, k := range []string{"bad", "n", "missing"} {
		if got, ok := m.GetTime(k); ok {
			t.Errorf("GetTime(%q) = %v, ok; want refused", k, got)
		}
	}
}
