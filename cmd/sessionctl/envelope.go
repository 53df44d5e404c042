package main

import (
	"errors"

	"github.com/session2/session2/core/session"
)

var errEnvelope = errors.New("not a session2 envelope (written by another version or corrupt)")

// envelope is what sessionctl shows of a record's Data: the core's
// session.Contents, which counts form tokens but never exposes their
// values.
type envelope struct {
	remote  string
	tokens  int
	flashes int
	data    []byte // the codec's bytes, format byte included
	kind    string
}

// codec names the format of the data: json, gob, none or unknown.
func (e envelope) codec() string { return e.kind }

// jsonData returns the JSON bytes of data written by the JSON codec.
func (e envelope) jsonData() ([]byte, bool) {
	return session.Contents{Encoded: e.data}.JSON()
}

// decodeEnvelope reads b, a record's Data, without modifying it.
func decodeEnvelope(b []byte) (envelope, error) {
	c, err := session.Inspect(b)
	if err != nil {
		return envelope{}, errEnvelope
	}
	return envelope{remote: c.RemoteAddr, tokens: c.FormTokens, flashes: c.Flashes, data: c.Encoded, kind: c.Codec}, nil
}
