package session

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
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
		raw[k] = fromJSON(v)
	}
	return raw, nil
}

var mapJSONSeeds = []string{
	`{}`, `null`, ` { "a" : 1 } `, `{"a":1,"a":2}`, `{"n":-0,"f":1.5,"e":1e3,"E":-2E-2,"big":12345678901234567890}`,
	`{"s":"plain","u":"\u00e9\ud83d\ude00","esc":"a\"b\\c\/d\n"}`, `{"x":[1,"a",true,false,null,{"y":[]}]}`,
	`{"bad utf8":"` + "\xff" + `"}`, `{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":-}`, `{"a":1e}`, `{"a":+1}`,
	`{"a":tru}`, `{"a":1,}`, `{,}`, `{"a"}`, `{"a":1}x`, `[1]`, `"s"`, `{"a":"` + "\x01" + `"}`,
	`{"a":"\x"}`, `{"a":"\u12"}`, `{"a":1e400}`, `{"a":1e-400}`, `{"a"   :   [ ]   }`, ``, `{`, `{"a":[1,]}`,
}

func TestParseMapJSONMatchesEncodingJSON(t *testing.T) {
	for _, s := range mapJSONSeeds {
		checkMapJSON(t, []byte(s))
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
