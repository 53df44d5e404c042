package session

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// Decoding an envelope with its text gives what decoding it alone gives,
// error for error, and the text of its data.
func FuzzEnvelopeText(f *testing.F) {
	f.Add(appendEnvelope(nil, "192.0.2.1", []string{"a", "bb"}, []string{packFlash("", "hi")}, []byte(`J{"a":"x"}`), settings{}))
	f.Add(appendEnvelope(nil, "::1", nil, []string{packFlash("error", "no")}, []byte(`J{}`), settings{persist: 1, id: "pid", agent: "ua", since: time.Unix(5, 0)}))
	f.Add(appendEnvelope(nil, "", nil, nil, nil, settings{}))
	f.Add([]byte{2, 3, 'a', 'b'})
	f.Fuzz(func(t *testing.T, b []byte) {
		want, werr := decodeEnvelope(b)
		got, err := decodeEnvelopeText(b, string(b))
		if !errors.Is(err, werr) && err != werr {
			t.Fatalf("error %v, want %v", err, werr)
		}
		if err != nil {
			return
		}
		if got.text != string(got.data) {
			t.Fatalf("text %q, data %q", got.text, got.data)
		}
		got.text = ""
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("decoded with its text %+v, alone %+v", got, want)
		}
	})
}

// A text that is not the record's is not used.
func TestEnvelopeTextMismatch(t *testing.T) {
	b := appendEnvelope(nil, "192.0.2.1", nil, nil, []byte(`J{}`), settings{})
	e, err := decodeEnvelopeText(b, "short")
	if err != nil || e.text != "" || e.remote != "192.0.2.1" {
		t.Fatalf("got %+v, %v", e, err)
	}
}

// inside reports whether s's bytes lie within b's array.
func inside(s string, b []byte) bool {
	if len(s) == 0 || cap(b) == 0 {
		return false
	}
	p, lo := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return p >= lo && p+uintptr(len(s)) <= lo+uintptr(cap(b))
}

// The key and a small record share one buffer; a larger record gets a
// text of its own, and a large one none. Each is a copy: changing the
// record's bytes afterwards changes no string.
func TestRequestText(t *testing.T) {
	var x requestText
	tok := strings.Repeat("A", tokenLen)
	key := x.key(tok)
	if key != keyOf(tok) || !IsKey(key) {
		t.Fatalf("key %q, want %q", key, keyOf(tok))
	}
	small := []byte("a small record")
	s := x.record(small)
	if s != "a small record" || !inside(s, x.b) || !inside(key, x.b) {
		t.Fatalf("small record %q not in the key's buffer", s)
	}
	small[0] = 'X'
	if s != "a small record" || key != keyOf(tok) {
		t.Fatal("a string changed with the record's bytes")
	}

	var y requestText
	y.key(tok)
	mid := bytes.Repeat([]byte("m"), textSize)
	if s := y.record(mid); s != string(mid) || inside(s, y.b) {
		t.Fatalf("a record over the buffer's room: %d bytes, in the buffer %v", len(s), inside(s, y.b))
	}
	if s := y.record(bytes.Repeat([]byte("L"), sharedJSONString+1)); s != "" {
		t.Fatalf("a large record got a text of %d bytes", len(s))
	}
	if s := y.record(nil); s != "" {
		t.Fatalf("empty record: %q", s)
	}
	var z requestText // no key: no buffer to share
	if s := z.record(small); s != string(small) {
		t.Fatalf("record without a key: %q", s)
	}
}

// A Map decoded from its text holds what one decoded alone holds, and its
// strings are cut from the text.
func TestMapFromText(t *testing.T) {
	for _, in := range []string{
		`{}`,
		`{"a":"x","b":1,"c":1.5,"d":[1,"y",{"e":null}],"f":true,"g":"\u00e9\n"}`,
		`{"b":{"\u0000b":"AQI="}}`,
	} {
		var want, got Map
		if err := want.UnmarshalJSON([]byte(in)); err != nil {
			t.Fatal(err)
		}
		if err := got.unmarshalText([]byte(in), in); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.m, want.m) {
			t.Errorf("%s: from text %v, alone %v", in, got.m, want.m)
		}
	}
	text := `{"name":"alice"}`
	var m Map
	if err := m.unmarshalText([]byte(text), text); err != nil {
		t.Fatal(err)
	}
	v, _ := m.GetString("name")
	if unsafe.StringData(v) != unsafe.StringData(text[9:]) {
		t.Error("a Map's string was copied instead of cut from the text")
	}
	if err := m.unmarshalText([]byte(`{"a":`), `{"a":`); err == nil {
		t.Error("truncated JSON decoded")
	}
}

// decodeData parses a Map under JSONCodec from the envelope's text, checks
// the format byte, and leaves other codecs and types to the codec.
func TestDecodeData(t *testing.T) {
	b := appendEnvelope(nil, "", nil, nil, []byte(`J{"k":"v"}`), settings{})
	env, err := decodeEnvelopeText(b, string(b))
	if err != nil || env.text == "" {
		t.Fatalf("%+v, %v", env, err)
	}
	var m Map
	if err := decodeData(JSONCodec{}, env, &m); err != nil {
		t.Fatal(err)
	}
	if v, _ := m.GetString("k"); v != "v" || unsafe.StringData(v) != unsafe.StringData(env.text[7:]) {
		t.Errorf("k = %q, not cut from the envelope's text", v)
	}
	gob := appendEnvelope(nil, "", nil, nil, []byte(`G{}`), settings{})
	env, _ = decodeEnvelopeText(gob, string(gob))
	if err := decodeData(JSONCodec{}, env, &m); !errors.Is(err, errFormat) {
		t.Errorf("another codec's data under JSONCodec: %v", err)
	}
	var st struct{ K string }
	env, _ = decodeEnvelopeText(b, string(b))
	if err := decodeData(JSONCodec{}, env, &st); err != nil || st.K != "v" {
		t.Errorf("struct: %+v, %v", st, err)
	}
}
