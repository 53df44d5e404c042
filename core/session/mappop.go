package session

import "time"

// Pop returns the value stored under key and removes it, in one step: of
// two goroutines popping the same key, one gets the value. ok is false
// when there is none. It suits one-shot values, read once and gone (a
// message to show after a redirect, for which there are also the
// session's flashes: see Session.AddFlashKind).
func (m *Map) Pop(key string) (any, bool) {
	return popAs(m, key, func(v any) (any, bool) { return v, true })
}

// PopString is GetString that removes the value it returns. A value of
// another type is left in place, and ok is false; the same holds for the
// other typed Pop methods.
func (m *Map) PopString(key string) (string, bool) { return popAs(m, key, asString) }

// PopBool is GetBool that removes the value it returns.
func (m *Map) PopBool(key string) (bool, bool) { return popAs(m, key, asBool) }

// PopInt is GetInt that removes the value it returns.
func (m *Map) PopInt(key string) (int, bool) { return popAs(m, key, asInt) }

// PopInt64 is GetInt64 that removes the value it returns.
func (m *Map) PopInt64(key string) (int64, bool) { return popAs(m, key, toInt64) }

// PopFloat64 is GetFloat64 that removes the value it returns.
func (m *Map) PopFloat64(key string) (float64, bool) { return popAs(m, key, asFloat64) }

// PopTime is GetTime that removes the value it returns.
func (m *Map) PopTime(key string) (time.Time, bool) { return popAs(m, key, asTime) }

// PopBytes is GetBytes that removes the value it returns.
func (m *Map) PopBytes(key string) ([]byte, bool) { return popAs(m, key, asBytes) }

// popAs removes key's value when conv converts it to V, and returns it.
func popAs[V any](m *Map, key string, conv func(any) (V, bool)) (V, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var zero V
	v, ok := m.m[key]
	if !ok {
		return zero, false
	}
	out, ok := conv(v)
	if !ok {
		return zero, false
	}
	delete(m.m, key)
	m.dirty = true
	return out, true
}
