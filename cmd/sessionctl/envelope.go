package main

import (
	"encoding/binary"
	"errors"
)

// The record's Data is the core's envelope (see core/session/envelope.go):
//
//	byte        envelope format, 1
//	string      remote address at creation
//	uvarint n   form tokens, then n strings
//	uvarint n   flash messages, then n strings
//	rest        the codec's bytes; the first byte names the format:
//	            'J' for JSON, 'G' for gob
//
// A string is a uvarint length followed by its bytes. sessionctl reads it
// without changing anything, and keeps only the counts of form tokens and
// flashes: form token values are secrets and are never printed.
const envelopeV1 byte = 1

// Codec format bytes of the core's codecs.
const (
	formatJSON byte = 'J'
	formatGob  byte = 'G'
)

var errEnvelope = errors.New("not a session2 envelope (written by another version or corrupt)")

// envelope is what sessionctl shows of a record's Data.
type envelope struct {
	remote  string
	tokens  int // how many form tokens; their values are never kept
	flashes int
	data    []byte // the codec's bytes, format byte included
}

// codec names the format of the data, from its first byte.
func (e envelope) codec() string {
	if len(e.data) == 0 {
		return "none"
	}
	switch e.data[0] {
	case formatJSON:
		return "json"
	case formatGob:
		return "gob"
	}
	return "unknown"
}

// jsonData returns the JSON bytes of data written by the JSON codec.
func (e envelope) jsonData() ([]byte, bool) {
	if len(e.data) == 0 || e.data[0] != formatJSON {
		return nil, false
	}
	return e.data[1:], true
}

type envReader struct {
	b   []byte
	err error
}

func (r *envReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errEnvelope
		return 0
	}
	r.b = r.b[n:]
	return v
}

// string reads one string, or returns "" after an error.
func (r *envReader) string() string {
	n := r.uvarint()
	if r.err != nil {
		return ""
	}
	if n > uint64(len(r.b)) {
		r.err = errEnvelope
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// count passes over a list of strings without keeping them and returns
// how many there were.
func (r *envReader) count() int {
	n := r.uvarint()
	if r.err != nil {
		return 0
	}
	// Every string takes at least one byte, which bounds n by the input.
	if n > uint64(len(r.b)) {
		r.err = errEnvelope
		return 0
	}
	for i := uint64(0); i < n && r.err == nil; i++ {
		m := r.uvarint()
		if r.err == nil && m > uint64(len(r.b)) {
			r.err = errEnvelope
		}
		if r.err == nil {
			r.b = r.b[m:]
		}
	}
	return int(n)
}

// decodeEnvelope reads b, a record's Data, without modifying it.
func decodeEnvelope(b []byte) (envelope, error) {
	if len(b) == 0 || b[0] != envelopeV1 {
		return envelope{}, errEnvelope
	}
	r := envReader{b: b[1:]}
	var e envelope
	e.remote = r.string()
	e.tokens = r.count()
	e.flashes = r.count()
	if r.err != nil {
		return envelope{}, r.err
	}
	e.data = r.b
	return e, nil
}
