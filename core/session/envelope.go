package session

import (
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"time"
)

// The record's Data holds an envelope: the session's own fields beside the
// application's data, which the codec encodes.
//
//	byte        envelope format (envelopeV1)
//	string      remote address at creation
//	uvarint n   form tokens, then n strings
//	uvarint n   flash messages, then n strings
//	rest        the codec's encoding of T
//
// A string is a uvarint length followed by its bytes.
//
// Format 2 (envelopeV2) is written only for a session that needs it (one
// with per-session settings or kinded flashes), so that the records of
// sessions that use neither stay readable by older versions. It is format 1
// with two changes: each flash is its kind, a NUL byte and its text; and
// after the flashes, before T's encoding, come the session's settings:
//
//	uvarint n   settings, then n pairs of a uvarint tag and a string
//
// Unknown tags are skipped, so later versions may add settings (the tags
// are below; the settings themselves are in settings.go).
const (
	envelopeV1 byte = 1
	envelopeV2 byte = 2
)

// envelope is the decoded form of a record's Data, less T.
type envelope struct {
	remote   string
	tokens   []string
	flashes  []string // packed: kind, NUL, text (see flash.go)
	data     []byte   // the codec's bytes, aliasing the record's Data
	settings settings // the per-session settings of a format 2 envelope
	// text is data as a string, when the record was decoded from a text
	// of its own (see requestText), else "".
	text string
}

var errEnvelope = errors.New("session: malformed session record")

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendEnvelope appends the envelope of a session to b: format 1 when it
// has no settings and no kinded flash, else format 2. flashes are packed
// (see flash.go).
func appendEnvelope(b []byte, remote string, tokens, flashes []string, data []byte, x settings) []byte {
	v2 := !x.isZero() || kindedFlashes(flashes)
	if v2 {
		b = append(b, envelopeV2)
	} else {
		b = append(b, envelopeV1)
	}
	b = appendString(b, remote)
	b = binary.AppendUvarint(b, uint64(len(tokens)))
	for _, t := range tokens {
		b = appendString(b, t)
	}
	b = binary.AppendUvarint(b, uint64(len(flashes)))
	for _, f := range flashes {
		if !v2 && len(f) > 0 {
			f = f[1:] // a packed flash of no kind: NUL, then the text
		}
		b = appendString(b, f)
	}
	if v2 {
		b = x.append(b)
	}
	return append(b, data...)
}

// envReader reads an envelope from b. When s is not empty it holds the
// same bytes as b, and moves along with it: the strings read are cut from
// s instead of being copied out of b one by one.
type envReader struct {
	b   []byte
	s   string
	err error
}

// skip moves past the next n bytes.
func (r *envReader) skip(n int) {
	r.b = r.b[n:]
	if r.s != "" {
		r.s = r.s[n:]
	}
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
	r.skip(n)
	return v
}

func (r *envReader) string() string {
	n := r.uvarint()
	if r.err != nil {
		return ""
	}
	if n > uint64(len(r.b)) {
		r.err = errEnvelope
		return ""
	}
	var s string
	if r.s != "" {
		s = r.s[:n]
	} else {
		s = string(r.b[:n])
	}
	r.skip(int(n))
	return s
}

func (r *envReader) strings() []string {
	n := r.uvarint()
	if r.err != nil || n == 0 {
		return nil
	}
	// Every string takes at least one byte, which bounds n by the input.
	if n > uint64(len(r.b)) {
		r.err = errEnvelope
		return nil
	}
	out := make([]string, 0, n)
	for i := uint64(0); i < n && r.err == nil; i++ {
		out = append(out, r.string())
	}
	return out
}

// isEnvelope reports whether b starts as an envelope does.
func isEnvelope(b []byte) bool { return len(b) > 0 && (b[0] == envelopeV1 || b[0] == envelopeV2) }

func decodeEnvelope(b []byte) (envelope, error) { return decodeEnvelopeText(b, "") }

// decodeEnvelopeText is decodeEnvelope cutting the strings it returns from
// text, which is "" or holds the same bytes as b.
func decodeEnvelopeText(b []byte, text string) (envelope, error) {
	if len(b) == 0 || (b[0] != envelopeV1 && b[0] != envelopeV2) {
		return envelope{}, errEnvelope
	}
	if len(text) != len(b) {
		text = ""
	}
	r := envReader{b: b[1:]}
	if text != "" {
		r.s = text[1:]
	}
	var e envelope
	e.remote = r.string()
	e.tokens = r.strings()
	e.flashes = r.strings()
	if b[0] == envelopeV1 {
		for i, f := range e.flashes {
			e.flashes[i] = packFlash("", f) // format 1: plain text, no kind
		}
	} else {
		for _, f := range e.flashes {
			if strings.IndexByte(f, 0) < 0 {
				r.err = errEnvelope
			}
		}
		e.settings = r.settings()
	}
	if r.err != nil {
		return envelope{}, r.err
	}
	e.data, e.text = r.b, r.s
	return e, nil
}

// The tags of the settings in a format 2 envelope. A tag this version does
// not know is skipped when reading.
const (
	tagPersist  = 1 // "1" persistent, "0" browser-session cookie
	tagLifetime = 2 // the lifetime in nanoseconds, decimal
	tagID       = 3 // the public ID kept across renewals
	tagAgent    = 4 // the User-Agent, at most maxAgent bytes
	tagSince    = 5 // the login's time, Unix nanoseconds, decimal
	tagIdle     = 6 // the idle timeout in nanoseconds, decimal; -1 for none
)

// isZero reports whether x holds no setting to store, so that the
// session's record can stay in format 1.
func (x settings) isZero() bool {
	return x.persist == 0 && x.lifetime == 0 && x.idle == 0 && x.id == "" && x.agent == "" && x.since.IsZero()
}

// append appends the settings section of a format 2 envelope.
func (x settings) append(b []byte) []byte {
	n := 0
	if x.persist != 0 {
		n++
	}
	if x.lifetime > 0 {
		n++
	}
	for _, v := range [...]bool{x.idle != 0, x.id != "", x.agent != "", !x.since.IsZero()} {
		if v {
			n++
		}
	}
	b = binary.AppendUvarint(b, uint64(n))
	if x.persist != 0 {
		v := "0"
		if x.persist > 0 {
			v = "1"
		}
		b = binary.AppendUvarint(b, tagPersist)
		b = appendString(b, v)
	}
	if x.lifetime > 0 {
		b = binary.AppendUvarint(b, tagLifetime)
		b = appendString(b, strconv.FormatInt(int64(x.lifetime), 10))
	}
	if x.idle != 0 {
		b = binary.AppendUvarint(b, tagIdle)
		b = appendString(b, strconv.FormatInt(int64(x.idle), 10))
	}
	if x.id != "" {
		b = binary.AppendUvarint(b, tagID)
		b = appendString(b, x.id)
	}
	if x.agent != "" {
		b = binary.AppendUvarint(b, tagAgent)
		b = appendString(b, x.agent)
	}
	if !x.since.IsZero() {
		b = binary.AppendUvarint(b, tagSince)
		b = appendString(b, strconv.FormatInt(x.since.UnixNano(), 10))
	}
	return b
}

// settings reads the settings section of a format 2 envelope.
func (r *envReader) settings() settings {
	var x settings
	n := r.uvarint()
	if r.err != nil {
		return x
	}
	// Every setting takes at least two bytes, which bounds n by the input.
	if n > uint64(len(r.b)) {
		r.err = errEnvelope
		return x
	}
	for i := uint64(0); i < n && r.err == nil; i++ {
		tag := r.uvarint()
		v := r.string()
		if r.err != nil {
			break
		}
		switch tag {
		case tagPersist:
			switch v {
			case "1":
				x.persist = 1
			case "0":
				x.persist = -1
			default:
				r.err = errEnvelope
			}
		case tagLifetime:
			d, err := strconv.ParseInt(v, 10, 64)
			if err != nil || d <= 0 {
				r.err = errEnvelope
			}
			x.lifetime = time.Duration(d)
		case tagIdle:
			d, err := strconv.ParseInt(v, 10, 64)
			if err != nil || d == 0 || d < -1 {
				r.err = errEnvelope
			}
			x.idle = time.Duration(d)
		case tagID:
			if v == "" || len(v) > 64 {
				r.err = errEnvelope
			}
			x.id = v
		case tagAgent:
			if len(v) > maxAgent {
				r.err = errEnvelope
			}
			x.agent = v
		case tagSince:
			ns, err := strconv.ParseInt(v, 10, 64)
			if err != nil || ns <= 0 {
				r.err = errEnvelope
			}
			x.since = time.Unix(0, ns).UTC()
		}
	}
	return x
}

// Contents describes a stored session's Data for administration tools
// (sessionctl show). It counts form tokens but never exposes their values,
// which are secrets.
type Contents struct {
	// RemoteAddr is the client address that created the session.
	RemoteAddr string
	// FormTokens and Flashes count the outstanding form tokens and flash
	// messages.
	FormTokens, Flashes int
	// Codec names the data's format: "json", "gob", "none" or "unknown".
	Codec string
	// Encoded is the codec's encoding of the application's data, its format
	// byte first. It aliases the Data given to Inspect.
	Encoded []byte
}

// JSON returns the application's data as JSON when it was written by
// [JSONCodec].
func (c Contents) JSON() ([]byte, bool) {
	if len(c.Encoded) == 0 || c.Encoded[0] != formatJSON {
		return nil, false
	}
	return c.Encoded[1:], true
}

// Inspect reads a record's Data, as this package writes it, without
// changing it. Data of another shape is an error.
func Inspect(data []byte) (Contents, error) {
	e, err := decodeEnvelope(data)
	if err != nil {
		return Contents{}, err
	}
	c := Contents{RemoteAddr: e.remote, FormTokens: len(e.tokens), Flashes: len(e.flashes), Encoded: e.data}
	switch {
	case len(e.data) == 0:
		c.Codec = "none"
	case e.data[0] == formatJSON:
		c.Codec = "json"
	case e.data[0] == formatGob:
		c.Codec = "gob"
	default:
		c.Codec = "unknown"
	}
	return c, nil
}
