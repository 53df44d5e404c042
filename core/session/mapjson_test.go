package session

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// stdMapJSON is the reference: encoding/json with UseNumber, then the
// number conversion Map promises.
func stdMapJSON(b []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		return nil, err
	}
	if !json.Valid(b) {
		return nil, errJSONSyntax
	}
	for k, v := range raw {
		v, err := fromJSON(v)
		if err != nil {
			return nil, err
		}
		raw[k] = v
	}
	return raw, nil
}

// fromJSON turns json.Number values, at any depth, into int, int64 or
// float64, and []byte tags into []byte.
func fromJSON(v any) (any, error) {
	switch x := v.(type) {
	case json.Number:
		s := string(x)
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			if i >= math.MinInt && i <= math.MaxInt {
				return int(i), nil
			}
			return i, nil
		}
		f, _ := strconv.ParseFloat(s, 64)
		return f, nil
	case []any:
		for i := range x {
			e, err := fromJSON(x[i])
			if err != nil {
				return nil, err
			}
			x[i] = e
		}
	case map[string]any:
		for k := range x {
			e, err := fromJSON(x[k])
			if err != nil {
				return nil, err
			}
			x[k] = e
		}
		return untag(x)
	}
	return v, nil
}

var mapJSONSeeds = []string{
	`{}`, `null`, ` { "a" : 1 } `, `{"a":1,"a":2}`, `{"n":-0,"f":1.5,"e":1e3,"E":-2E-2,"big":12345678901234567890}`,
	`{"s":"plain","u":"\u00e9\ud83d\ude00","esc":"a\"b\\c\/d\n"}`, `{"x":[1,"a",true,false,null,{"y":[]}]}`,
	`{"bad utf8":"` + "\xff" + `"}`, `{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":-}`, `{"a":1e}`, `{"a":+1}`,
	`{"a":tru}`, `{"a":1,}`, `{,}`, `{"a"}`, `{"a":1}x`, `[1]`, `"s"`, `{"a":"` + "\x01" + `"}`,
	`{"a":"\x"}`, `{"a":"\u12"}`, `{"a":1e400}`, `{"a":1e-400}`, `{"a"   :   [ ]   }`, ``, `{`, `{"a":[1,]}`,
	// []byte tags: valid, nested, empty, malformed, not alone, at the top.
	`{"b":{"\u0000bytes":"AQID"}}`, `{"b":[1,{"m":{"\u0000bytes":""}}]}`, `{"b":{"\u0000bytes":"!!"}}`,
	`{"b":{"\u0000bytes":1}}`, `{"b":{"\u0000bytes":"AQ==","x":1}}`, `{"\u0000bytes":"AQID"}`,
}

func TestParseMapJSONMatchesEncodingJSON(t *testing.T) {
	for _, s := range mapJSONSeeds {
		checkMapJSON(t, []byte(s))
	}
	// Objects on both sides of sharedJSONString: strings cut from one
	// string, and strings of their own.
	for _, n := range []int{sharedJSONString - 40, sharedJSONString + 40} {
		b := []byte(`{"a":"x","esc":"\u00e9","long":"` + strings.Repeat("y", n) + `"}`)
		checkMapJSON(t, b)
		checkMapJSON(t, b[:len(b)-3]) // cut short: an error either way
	}
}

func FuzzParseMapJSON(f *testing.F) {
	for _, s := range mapJSONSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkMapJSON(t, b) })
}

func checkMapJSON(t *testing.T, b []byte) {
	t.Helper()
	got, err := parseMapJSON(b)
	want, werr := stdMapJSON(b)
	if (err == nil) != (werr == nil) {
		t.Fatalf("%q: parseMapJSON err %v, encoding/json err %v", b, err, werr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: parseMapJSON %#v, encoding/json %#v", b, got, want)
	}
}

// TestMapJSONMatchesEncodingJSON checks that Map's own encoder writes what
// encoding/json writes, byte for byte, and leaves to it what it cannot.
func TestMapJSONMatchesEncodingJSON(t *testing.T) {
	maps := []map[string]any{
		nil, {}, {"a": 1}, {"name": "alice", "n": 1001, "ok": true, "no": false, "nil": nil},
		{"b": int8(-8), "a": int16(-16), "c": int32(-32), "d": int64(math.MinInt64), "e": uint(7), "f": uint8(255),
			"g": uint16(65535), "h": uint32(1 << 31), "i": uint64(math.MaxUint64), "j": uintptr(9)},
		{"z": 1, "y": 2, "Z": 3, "": 4, "a b": " spaced ", "~": "~!#$%'()*+,-./:;=?@[]^_`{|}"},
		// What the fast path leaves to encoding/json.
		{"html": "<b>&</b>"}, {"q": `say "hi"`}, {"bs": `a\b`}, {"nl": "a\nb"}, {"u": "é"}, {"bad": "\xff"},
		{"del": "\x7f"}, {"<k>": 1}, {"f": 1.5}, {"f": 1e21}, {"num": json.Number("12")}, {"t": time.Unix(0, 0).UTC()},
		{"s": []any{1, "a"}}, {"m": map[string]any{"x": 1}}, {"a": 1, "b": 2.5},
	}
	for i := range 40 {
		m := map[string]any{}
		for j := range i {
			m[strings.Repeat(string(rune('a'+j%26)), 1+j/26)] = j * 1000
		}
		maps = append(maps, m)
	}
	for _, m := range maps {
		want, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if len(m) == 0 {
			want = []byte("{}")
		}
		mp := &Map{m: m}
		got, err := mp.MarshalJSON()
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%#v: MarshalJSON %s, %v; encoding/json %s", m, got, err, want)
		}
		enc, err := JSONCodec{}.Encode(mp)
		if err != nil || enc[0] != formatJSON || !bytes.Equal(enc[1:], want) {
			t.Errorf("%#v: JSONCodec.Encode %q, %v; want %q after the format byte", m, enc, err, want)
		}
	}
}

func FuzzMapJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "<", "\"", "\\", "\x00", "\x7f", "é", "\xff", "\u2028"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, k, v string) {
		m := map[string]any{k: v, "n": len(v)}
		want, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := (&Map{m: m}).MarshalJSON()
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%#v: MarshalJSON %q, %v; encoding/json %q", m, got, err, want)
		}
	})
}
