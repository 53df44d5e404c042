package session

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
)

// A Codec turns the application's session data into bytes and back. The
// manager calls Encode with a pointer to the session's T and Decode with a
// pointer to a zero T.
//
// Change detection compares encodings, so a codec should be deterministic:
// the same value must encode to the same bytes.
type Codec interface {
	Encode(v any) ([]byte, error)
	Decode(data []byte, v any) error
}

// Codec format bytes: the first byte of every encoding made by the codecs of
// this package names its format, so a record written by another codec is
// recognised as undecodable instead of being misread.
const (
	formatJSON byte = 'J'
	formatGob  byte = 'G'
)

var errFormat = errors.New("session: data was written by another codec")

// JSONCodec encodes with encoding/json behind a format byte. It is the
// default. Struct fields are saved as encoding/json saves them: exported
// fields, honouring json tags.
type JSONCodec struct{}

// Encode implements [Codec].
func (JSONCodec) Encode(v any) ([]byte, error) {
	if m, ok := v.(*Map); ok {
		// Encoded straight after the format byte, with no copy.
		return m.appendJSON(append(make([]byte, 0, 64), formatJSON))
	}
	if m, ok := v.(json.Marshaler); ok {
		// Call it directly: json.Marshal would validate and compact its
		// output again.
		b, err := m.MarshalJSON()
		if err != nil {
			return nil, err
		}
		out := make([]byte, 0, len(b)+1)
		return append(append(out, formatJSON), b...), nil
	}
	var buf bytes.Buffer
	buf.WriteByte(formatJSON)
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	return b[:len(b)-1], nil // drop the encoder's newline
}

// Decode implements [Codec].
func (JSONCodec) Decode(data []byte, v any) error {
	if len(data) == 0 || data[0] != formatJSON {
		return errFormat
	}
	if m, ok := v.(*Map); ok {
		return m.UnmarshalJSON(data[1:]) // its parser validates as it goes
	}
	if u, ok := v.(json.Unmarshaler); ok {
		if !json.Valid(data[1:]) {
			return errors.New("session: invalid JSON")
		}
		return u.UnmarshalJSON(data[1:])
	}
	return json.Unmarshal(data[1:], v)
}

// decodeData decodes env's data into v with c. A Map under JSONCodec is
// parsed straight from env's text, when it has one, so that its keys and
// strings share that text's allocation.
func decodeData(c Codec, env envelope, v any) error {
	if mp, ok := v.(*Map); ok && env.text != "" {
		if _, ok := c.(JSONCodec); ok {
			if env.data[0] != formatJSON {
				return errFormat
			}
			return mp.unmarshalText(env.data[1:], env.text[1:])
		}
	}
	return c.Decode(env.data, v)
}

// GobCodec encodes with encoding/gob behind a format byte. Gob writes maps
// in random order, so a T holding maps encodes differently each time and is
// saved on every request that reads it; prefer JSONCodec for such types.
type GobCodec struct{}

// Encode implements [Codec].
func (GobCodec) Encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte(formatGob)
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Decode implements [Codec].
func (GobCodec) Decode(data []byte, v any) error {
	if len(data) == 0 || data[0] != formatGob {
		return errFormat
	}
	if err := gob.NewDecoder(bytes.NewReader(data[1:])).Decode(v); err != nil {
		return fmt.Errorf("session: gob: %w", err)
	}
	return nil
}
