package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// parseMapJSON decodes a JSON object into a map with the value kinds Map
// promises: integers as int (int64 when they do not fit), other numbers as
// float64, strings, bools, nil, []any, map[string]any and []byte (from
// its tag: see bytesTagKey). It gives the same result as encoding/json
// with UseNumber followed by the number conversion and untag, and
// rejects what encoding/json rejects, at a fraction of the cost on the
// request path. Strings with escapes or invalid UTF-8 go through
// encoding/json, so their decoding is the standard library's.
func parseMapJSON(b []byte) (map[string]any, error) { return parseMapJSONText(b, "") }

// parseMapJSONText is parseMapJSON cutting the keys and strings it returns
// from s, which holds the same bytes as b; when s is "", from a copy of b
// made for them if b is small (see sharedJSONString).
func parseMapJSONText(b []byte, s string) (map[string]any, error) {
	p := jsonParser{b: b}
	switch {
	case len(s) == len(b):
		p.s = s
	case len(b) <= sharedJSONString:
		p.s = string(b)
	}
	p.space()
	if p.literal("null") {
		p.space()
		if p.i != len(p.b) {
			return nil, p.fail()
		}
		return nil, nil
	}
	v, err := p.object(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.b) {
		return nil, p.fail()
	}
	return v, nil
}

// maxJSONDepth bounds nesting, as encoding/json does.
const maxJSONDepth = 10000

var errJSONSyntax = errors.New("session: invalid JSON in session data")

type jsonParser struct {
	b []byte
	i int
	// s is b as one string, when b is small: the keys and the strings
	// without escapes are cut from it, one allocation for all of them
	// instead of one each. Otherwise "".
	s string
}

// sharedJSONString is the size up to which a JSON object's keys and
// strings share one allocation. Each of them keeps it all alive, so it
// stays small: a value kept past the request holds at most that much.
const sharedJSONString = 1024

func (p *jsonParser) fail() error {
	return fmt.Errorf("%w at offset %d", errJSONSyntax, p.i)
}

func (p *jsonParser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) literal(s string) bool {
	if len(p.b)-p.i >= len(s) && string(p.b[p.i:p.i+len(s)]) == s {
		p.i += len(s)
		return true
	}
	return false
}

func (p *jsonParser) object(depth int) (map[string]any, error) {
	if depth > maxJSONDepth {
		return nil, p.fail()
	}
	if p.i >= len(p.b) || p.b[p.i] != '{' {
		return nil, p.fail()
	}
	p.i++
	m := make(map[string]any)
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return m, nil
	}
	for {
		p.space()
		k, err := p.string()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return nil, p.fail()
		}
		p.i++
		p.space()
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		m[k] = v
		p.space()
		if p.i >= len(p.b) {
			return nil, p.fail()
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return m, nil
		default:
			return nil, p.fail()
		}
	}
}

func (p *jsonParser) array(depth int) ([]any, error) {
	if depth > maxJSONDepth {
		return nil, p.fail()
	}
	p.i++ // '['
	a := []any{}
	p.space()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return a, nil
	}
	for {
		p.space()
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		p.space()
		if p.i >= len(p.b) {
			return nil, p.fail()
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return a, nil
		default:
			return nil, p.fail()
		}
	}
}

func (p *jsonParser) value(depth int) (any, error) {
	if p.i >= len(p.b) {
		return nil, p.fail()
	}
	switch c := p.b[p.i]; {
	case c == '"':
		return p.string()
	case c == '{':
		o, err := p.object(depth)
		if err != nil {
			return nil, err
		}
		return untag(o)
	case c == '[':
		return p.array(depth)
	case c == 't':
		if p.literal("true") {
			return true, nil
		}
	case c == 'f':
		if p.literal("false") {
			return false, nil
		}
	case c == 'n':
		if p.literal("null") {
			return nil, nil
		}
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return nil, p.fail()
}

// string decodes a JSON string at p.i.
func (p *jsonParser) string() (string, error) {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return "", p.fail()
	}
	start := p.i
	p.i++
	simple := true
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			raw := p.b[start+1 : p.i-1]
			if simple && utf8.Valid(raw) {
				if p.s != "" {
					return p.s[start+1 : p.i-1], nil
				}
				return string(raw), nil
			}
			var s string
			if err := json.Unmarshal(p.b[start:p.i], &s); err != nil {
				return "", fmt.Errorf("%w: %w", errJSONSyntax, err)
			}
			return s, nil
		case c == '\\':
			simple = false
			p.i += 2 // the escaped byte is checked by encoding/json
		case c < 0x20:
			return "", p.fail()
		default:
			p.i++
		}
	}
	return "", p.fail()
}

// number decodes a JSON number at p.i, checking the JSON grammar.
func (p *jsonParser) number() (any, error) {
	start := p.i
	if p.b[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		n := 0
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.i < len(p.b) && p.b[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		return nil, p.fail()
	}
	integer := true
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		integer = false
		if digits() == 0 {
			return nil, p.fail()
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		integer = false
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return nil, p.fail()
		}
	}
	s := string(p.b[start:p.i])
	if integer {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			if i >= math.MinInt && i <= math.MaxInt {
				return int(i), nil
			}
			return i, nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, p.fail()
	}
	return f, nil
}

// appendSimpleMapJSON appends m's encoding by encoding/json to dst, byte
// for byte, when it can write it without encoding/json's help: every key
// and every string value of printable ASCII needing no escape, every value
// nil, a bool, a string or an integer. It reports false, with dst
// unchanged in content, for anything else, which encoding/json then
// encodes. Sessions that hold a few names, ids and counters take this
// path on every save, at a fraction of encoding/json's cost.
func appendSimpleMapJSON(dst []byte, m map[string]any) ([]byte, bool) {
	var buf [16]string
	keys := buf[:0]
	for k, v := range m {
		if !simpleJSONString(k) {
			return dst, false
		}
		switch v := v.(type) {
		case nil, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, uintptr:
		case string:
			if !simpleJSONString(v) {
				return dst, false
			}
		default:
			return dst, false
		}
		keys = append(keys, k)
	}
	slices.Sort(keys) // encoding/json sorts map keys so
	out := append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, '"')
		out = append(out, k...)
		out = append(out, '"', ':')
		switch v := m[k].(type) {
		case nil:
			out = append(out, "null"...)
		case bool:
			out = strconv.AppendBool(out, v)
		case string:
			out = append(out, '"')
			out = append(out, v...)
			out = append(out, '"')
		case uint:
			out = strconv.AppendUint(out, uint64(v), 10)
		case uint64:
			out = strconv.AppendUint(out, v, 10)
		case uintptr:
			out = strconv.AppendUint(out, uint64(v), 10)
		default: // the other integer types, all of which an int64 holds
			n, _ := toInt64(v)
			out = strconv.AppendInt(out, n, 10)
		}
	}
	return append(out, '}'), true
}

// simpleJSONString reports whether encoding/json writes s as it is,
// between quotes: printable ASCII without '"', '\\' and the characters it
// escapes for HTML ('<', '>', '&').
func simpleJSONString(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}
