package session

import "unsafe"

// requestText holds the text a request's session reads, out of one
// allocation where it fits: the store key of the request's token, then a
// copy of the loaded record's Data, from which the envelope's strings and
// a Map's keys and strings are cut. Each byte is written once, before any
// string over it is made, and never changed after; that is what makes
// those strings sound. A string kept past the request keeps the whole
// buffer alive, which is why it stays small.
type requestText struct {
	b []byte
}

// textSize is the buffer's size: the key and a small session's record.
const textSize = 256

// key returns the store key of token, from a new buffer.
func (t *requestText) key(token string) string {
	t.b = appendKey(make([]byte, 0, textSize), token)
	return unsafe.String(unsafe.SliceData(t.b), len(t.b))
}

// record returns data as a string: from the buffer's room left after the
// key when it fits there, else a copy of its own when
// data is small enough to share (see sharedJSONString), else "".
func (t *requestText) record(data []byte) string {
	n := len(t.b)
	switch {
	case len(data) == 0:
		return ""
	case n > 0 && cap(t.b)-n >= len(data):
		t.b = append(t.b, data...)
		return unsafe.String(&t.b[n], len(data))
	case len(data) <= sharedJSONString:
		return string(data)
	}
	return ""
}
