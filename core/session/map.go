package session

import (
	"encoding/json"
	"math"
	"sort"
	"sync"
	"time"
)

// Map is a dict-style session: string keys and JSON-friendly values,
// session2's DictSession. Use it as the manager's type,
// session.New[session.Map](store), and reach it through Session.Data.
//
// A Map is safe for concurrent use. The zero Map is empty and ready to
// use.
//
// # What a value comes back as
//
// Values are saved as JSON. Until the commit, Get returns a value as it
// was Set; on later requests, as the JSON round trip gives it back:
//
//   - a string, a bool or nil: as it is;
//   - a number: an int when it is an integer (an int64 when it does not
//     fit an int), else a float64; the typed getters (GetInt, GetInt64,
//     GetFloat64) convert between number kinds where no precision is lost;
//   - a []byte: a []byte (GetBytes), here and within []any and
//     map[string]any values;
//   - a time.Time: an RFC 3339 string, which GetTime parses back;
//   - anything else, such as a struct, a pointer, a []string, a
//     map[string]int or a named string type: its JSON form (map[string]any,
//     []any, string, …), which [GetAs] decodes back into its type:
//     GetAs[User](m, "user").
//
// A value JSON cannot encode (a channel, a function, a complex number,
// NaN) fails the commit with an error wrapping [ErrUnencodable] that names
// its key and type: the error handler answers (500 by default) and
// nothing is saved. Keys starting with a NUL byte are reserved in the
// maps within a Map (the encoding marks []byte values with one), and
// refused the same way.
type Map struct {
	mu    sync.RWMutex
	m     map[string]any
	dirty bool // changed through Set, Delete or Clear since decoded
}

// Get returns the value stored under key and whether there is one.
func (m *Map) Get(key string) (any, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	v, ok := m.m[key]
	return v, ok
}

// Set stores v under key.
func (m *Map) Set(key string, v any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = make(map[string]any)
	}
	m.m[key] = v
	m.dirty = true
}

// Delete removes key.
func (m *Map) Delete(key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.m[key]; ok {
		delete(m.m, key)
		m.dirty = true
	}
}

// Len returns the number of keys.
func (m *Map) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.m)
}

// Keys returns the keys in sorted order.
func (m *Map) Keys() []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	keys := make([]string, 0, len(m.m))
	for k := range m.m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Clear removes every key.
func (m *Map) Clear() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.m) > 0 {
		clear(m.m)
		m.dirty = true
	}
}

// GetString returns the string stored under key; ok is false when there is
// none or it is not a string.
func (m *Map) GetString(key string) (s string, ok bool) { return getAs(m, key, asString) }

// GetBool returns the bool stored under key; ok is false when there is none
// or it is not a bool.
func (m *Map) GetBool(key string) (b bool, ok bool) { return getAs(m, key, asBool) }

// GetInt returns the integer stored under key; ok is false when there is
// none, or it is not a number with an exact int value.
func (m *Map) GetInt(key string) (int, bool) { return getAs(m, key, asInt) }

// GetInt64 is GetInt for int64.
func (m *Map) GetInt64(key string) (int64, bool) { return getAs(m, key, toInt64) }

// GetFloat64 returns the number stored under key as a float64; ok is false
// when there is none or it is not a number.
func (m *Map) GetFloat64(key string) (float64, bool) { return getAs(m, key, asFloat64) }

// GetTime returns the time stored under key. A time.Time value survives the
// JSON round trip as an RFC 3339 string, which GetTime parses back.
func (m *Map) GetTime(key string) (time.Time, bool) { return getAs(m, key, asTime) }

// GetBytes returns the []byte stored under key; ok is false when there is
// none or it is not a []byte. A []byte survives the round trip through
// the store as a []byte (see [Map]). The slice is the map's own: a change
// made to it in place is saved, as a change through Set is.
func (m *Map) GetBytes(key string) ([]byte, bool) { return getAs(m, key, asBytes) }

// getAs reads key's value through conv, which converts it to V.
func getAs[V any](m *Map, key string, conv func(any) (V, bool)) (V, bool) {
	m.mu.RLock()
	v, ok := m.m[key]
	m.mu.RUnlock()
	if !ok {
		var zero V
		return zero, false
	}
	return conv(v)
}

func asString(v any) (string, bool) { s, ok := v.(string); return s, ok }
func asBool(v any) (bool, bool)     { b, ok := v.(bool); return b, ok }
func asBytes(v any) ([]byte, bool)  { b, ok := v.([]byte); return b, ok }

func asInt(v any) (int, bool) {
	n, ok := toInt64(v)
	if !ok || n < math.MinInt || n > math.MaxInt {
		return 0, false
	}
	return int(n), true
}

func asFloat64(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	if i, ok := toInt64(v); ok {
		return float64(i), true
	}
	if u, ok := v.(uint64); ok {
		return float64(u), true
	}
	return 0, false
}

func asTime(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, true
	case string:
		p, err := time.Parse(time.RFC3339Nano, t)
		return p, err == nil
	}
	return time.Time{}, false
}

func toInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int8:
		return int64(n), true
	case int16:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case uint:
		return int64(n), uint64(n) <= math.MaxInt64
	case uint8:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint32:
		return int64(n), true
	case uint64:
		return int64(n), n <= math.MaxInt64
	case float64:
		if n == math.Trunc(n) && n >= -(1<<63) && n < 1<<63 {
			return int64(n), true
		}
	case float32:
		f := float64(n)
		if f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63 {
			return int64(f), true
		}
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}

// HasInfo reports whether the map holds any key; an empty Map is a session
// without info.
func (m *Map) HasInfo() bool { return m.Len() > 0 }

// MarshalJSON encodes the map as a JSON object with sorted keys.
func (m *Map) MarshalJSON() ([]byte, error) { return m.appendJSON(nil) }

// appendJSON appends the map's JSON encoding, MarshalJSON's, to dst.
func (m *Map) appendJSON(dst []byte) ([]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if len(m.m) == 0 {
		return append(dst, "{}"...), nil
	}
	if b, ok := appendSimpleMapJSON(dst, m.m); ok {
		return b, nil
	}
	src, err := tagged(m.m)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(src)
	if err != nil {
		return nil, unencodable(src, err)
	}
	return append(dst, b...), nil
}

// UnmarshalJSON replaces the map's contents with a JSON object, keeping
// integers as int (int64 where they do not fit an int).
func (m *Map) UnmarshalJSON(b []byte) error {
	return m.unmarshalText(b, "")
}

// unmarshalText is UnmarshalJSON cutting the keys and strings from s, as
// parseMapJSONText does.
func (m *Map) unmarshalText(b []byte, s string) error {
	raw, err := parseMapJSONText(b, s)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m = raw
	m.dirty = false
	return nil
}

// clean reports whether the map certainly holds what it was decoded from:
// no Set, Delete or Clear since, and only immutable values, so nothing can
// have been changed in place. The manager then skips encoding it.
func (m *Map) clean() bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.dirty {
		return false
	}
	for _, v := range m.m {
		switch v.(type) {
		case nil, string, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64,
			float32, float64, json.Number, time.Time:
		default:
			return false
		}
	}
	return true
}

// GobEncode encodes the map through its JSON form, so a Map works with
// [GobCodec] without registering value types.
func (m *Map) GobEncode() ([]byte, error) { return m.MarshalJSON() }

// GobDecode is the inverse of GobEncode.
func (m *Map) GobDecode(b []byte) error { return m.UnmarshalJSON(b) }

// snapshot returns a shallow copy of the map's entries.
func (m *Map) snapshot() map[string]any {
	m.mu.RLock()
	defer m.mu.RUnlock()
	c := make(map[string]any, len(m.m))
	for k, v := range m.m {
		c[k] = v
	}
	return c
}

// markClean notes that the map's contents were committed: a later Set,
// Delete or Clear is a change made too late.
func (m *Map) markClean() {
	m.mu.Lock()
	m.dirty = false
	m.mu.Unlock()
}

// isDirty reports a Set, Delete or Clear since the map was decoded or
// committed.
func (m *Map) isDirty() bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.dirty
}
