package session

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// GetAs returns the value stored under key as a T, for values that the
// JSON round trip gives back in another form: a struct, which comes back
// as a map[string]any, a []string, which comes back as a []any, a named
// type, which comes back as its underlying kind. A value that is already
// a T (set by this request) is returned as it is; any other is decoded
// into a T from its JSON form, as encoding/json decodes. The result is a
// copy: Set it again to save a change.
//
// A missing key is an error wrapping [ErrNotFound]; a value whose JSON
// form does not decode into a T is an error naming the key and T.
//
//	m.Set("user", User{Name: "ann", Admin: true})
//	// on a later request:
//	u, err := session.GetAs[User](m, "user")
func GetAs[T any](m *Map, key string) (T, error) {
	var zero T
	v, ok := m.Get(key)
	if !ok {
		return zero, fmt.Errorf("session: Map key %q: %w", key, ErrNotFound)
	}
	if t, ok := v.(T); ok {
		return t, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return zero, fmt.Errorf("session: Map key %q holds a %T, which JSON cannot encode: %w", key, v, err)
	}
	var t T
	if err := json.Unmarshal(b, &t); err != nil {
		return zero, fmt.Errorf("session: Map key %q holds a %T, which does not decode into a %s: %w", key, v, typeName[T](), err)
	}
	return t, nil
}

// A []byte value of a Map is encoded as a JSON object with one key,
// bytesTagKey, whose value is the bytes in standard base64:
//
//	{"\u0000bytes":"AQID"}
//
// and decoded back into a []byte, wherever it stands: a value of the Map,
// or an element of a []any or a map[string]any within one. No key an
// application writes starts with a NUL byte by accident, and a
// map[string]any within a Map holding such a key is refused when the Map
// is encoded, so the tag is never read from anything else.
const bytesTagKey = "\x00bytes"

// taggedBytes is a []byte that encodes as its tag.
type taggedBytes []byte

// MarshalJSON implements json.Marshaler.
func (b taggedBytes) MarshalJSON() ([]byte, error) {
	const open, end = `{"\u0000bytes":"`, `"}`
	out := make([]byte, 0, len(open)+base64.StdEncoding.EncodedLen(len(b))+len(end))
	out = append(out, open...)
	out = base64.StdEncoding.AppendEncode(out, b)
	return append(out, end...), nil
}

// untag returns the []byte an object decoded from a Map's JSON stands for
// when it is a tag, else the object itself.
func untag(o map[string]any) (any, error) {
	if len(o) != 1 {
		return o, nil
	}
	v, ok := o[bytesTagKey]
	if !ok {
		return o, nil
	}
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("%w: a []byte tag holds a %T", errJSONSyntax, v)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: a []byte tag: %w", errJSONSyntax, err)
	}
	return b, nil
}

// tagged returns m with each []byte in it replaced by its tag, copying
// only what changes (m itself when nothing does), or an error naming the
// key of a value that holds a reserved map key.
func tagged(m map[string]any) (map[string]any, error) {
	var out map[string]any
	for k, v := range m {
		t, changed, err := tagValue(v)
		if err != nil {
			return nil, fmt.Errorf("%w: Map key %q holds %w", ErrUnencodable, k, err)
		}
		if changed {
			if out == nil {
				out = maps.Clone(m)
			}
			out[k] = t
		}
	}
	if out == nil {
		return m, nil
	}
	return out, nil
}

// tagValue is tagged for one value, at any depth of []any and
// map[string]any.
func tagValue(v any) (any, bool, error) {
	switch x := v.(type) {
	case []byte:
		return taggedBytes(x), true, nil
	case []any:
		var out []any
		for i, e := range x {
			t, changed, err := tagValue(e)
			if err != nil {
				return nil, false, err
			}
			if changed {
				if out == nil {
					out = slices.Clone(x)
				}
				out[i] = t
			}
		}
		if out != nil {
			return out, true, nil
		}
	case map[string]any:
		var out map[string]any
		for k, e := range x {
			if strings.HasPrefix(k, "\x00") {
				return nil, false, fmt.Errorf("a map with the key %q: map keys starting with a NUL byte are reserved", k)
			}
			t, changed, err := tagValue(e)
			if err != nil {
				return nil, false, err
			}
			if changed {
				if out == nil {
					out = maps.Clone(x)
				}
				out[k] = t
			}
		}
		if out != nil {
			return out, true, nil
		}
	}
	return v, false, nil
}

// unencodable returns the error of a Map whose encoding failed with err,
// naming the first key, in sorted order, whose value JSON cannot encode.
func unencodable(m map[string]any, err error) error {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if _, e := json.Marshal(m[k]); e != nil {
			v := m[k]
			if t, ok := v.(taggedBytes); ok {
				v = []byte(t)
			}
			return fmt.Errorf("%w: Map key %q holds a %T, which JSON cannot encode: %w", ErrUnencodable, k, v, e)
		}
	}
	return fmt.Errorf("%w: %w", ErrUnencodable, err)
}
