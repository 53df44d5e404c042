package session

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
)

// DefaultCSRFBodyLimit is the most of a form body that [CSRF] reads to
// find its token field, unless [CSRFOptions].BodyLimit sets another: 256 KiB,
// room for a long text before a token field placed at the form's end.
const DefaultCSRFBodyLimit = 256 << 10

// bodyToken returns the value of the form field named field in r's body,
// "" when the body has none: the first valid one, as r.PostFormValue
// would. It reads the body only for the methods whose form net/http parses
// (POST, PUT, PATCH) and only when it is a URL-encoded or multipart form,
// at most limit bytes of it, stopping at the field or, in a multipart
// form, at the first file. What it read is put back in front of the rest:
// the handler reads the body whole, byte for byte, and r.PostForm and
// r.MultipartForm stay unset. cut reports that the search stopped before
// the form's end (at the limit, or at a file); err a failed read.
func bodyToken(r *http.Request, field string, limit int64) (tok string, cut bool, err error) {
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
	default:
		return "", false, nil
	}
	if r.PostForm != nil { // parsed already, by whatever ran before
		return r.PostForm.Get(field), false, nil
	}
	if r.Body == nil || r.Body == http.NoBody {
		return "", false, nil
	}
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" && mt != "multipart/form-data" {
		return "", false, nil
	}
	p := &bodyPrefix{body: r.Body, left: limit, size: r.ContentLength}
	if r.ContentLength > 0 { // one allocation of what may be read
		p.buf = make([]byte, 0, min(r.ContentLength, limit))
	}
	if mt == "multipart/form-data" {
		tok, cut = multipartField(p, params["boundary"], field)
	} else {
		tok, cut = urlencodedField(p, field)
	}
	p.restore(r)
	return tok, cut, p.err
}

// bodyPrefix reads at most left bytes of a request's body and keeps them,
// to put them back in front of the rest.
type bodyPrefix struct {
	body io.ReadCloser
	left int64  // bytes it may still read
	size int64  // the body's Content-Length, -1 when unknown
	buf  []byte // what it read
	eof  bool   // the body ended
	err  error  // a failed read's error, io.EOF aside
}

// Read reads from the body into b, keeping a copy, for the multipart
// reader. It reports io.EOF at the limit.
func (p *bodyPrefix) Read(b []byte) (int, error) {
	if p.eof || p.err != nil || p.left <= 0 {
		if p.err != nil {
			return 0, p.err
		}
		return 0, io.EOF
	}
	if int64(len(b)) > p.left {
		b = b[:p.left]
	}
	n, err := p.body.Read(b)
	p.buf = append(p.buf, b[:n]...)
	p.note(n, err)
	return n, err
}

// fill reads the next bytes of the body into buf; it returns false when
// no more can come (the end, the limit, an error).
func (p *bodyPrefix) fill() bool {
	if p.eof || p.err != nil || p.left <= 0 {
		return false
	}
	if cap(p.buf)-len(p.buf) < 512 {
		n := int64(2*cap(p.buf) + 4096)
		if room := int64(len(p.buf)) + p.left; n > room {
			n = room
		}
		p.buf = append(make([]byte, 0, n), p.buf...)
	}
	spare := p.buf[len(p.buf):cap(p.buf)]
	if int64(len(spare)) > p.left {
		spare = spare[:p.left]
	}
	n, err := p.body.Read(spare)
	p.buf = p.buf[:len(p.buf)+n]
	p.note(n, err)
	return true
}

// note accounts for a read of n bytes that returned err.
func (p *bodyPrefix) note(n int, err error) {
	p.left -= int64(n)
	switch {
	case err == io.EOF:
		p.eof = true
	case err != nil:
		p.err = err
	}
}

// whole reports whether buf holds the entire body.
func (p *bodyPrefix) whole() bool {
	return p.eof || (p.size >= 0 && int64(len(p.buf)) >= p.size)
}

// restore makes r's body what was read followed by what was not.
func (p *bodyPrefix) restore(r *http.Request) {
	if len(p.buf) == 0 {
		return
	}
	r.Body = replayedBody{io.MultiReader(bytes.NewReader(p.buf), p.body), p.body}
}

// replayedBody is a body whose first bytes were read by the check and are
// served again; Close closes the original.
type replayedBody struct {
	io.Reader
	io.Closer
}

// urlencodedField scans the pairs of a URL-encoded body as they arrive,
// stopping at the first valid pair named field, as url.ParseQuery reads
// them (a pair with a semicolon or a bad escape is skipped).
func urlencodedField(p *bodyPrefix, field string) (string, bool) {
	start := 0 // the first byte of buf not scanned yet
	for {
		for {
			rest := p.buf[start:]
			i := bytes.IndexByte(rest, '&')
			if i < 0 && !p.whole() {
				break // the last pair may go on
			}
			pair := rest
			if i >= 0 {
				pair = rest[:i]
			}
			if v, ok := formPair(pair, field); ok {
				return v, false
			}
			if i < 0 {
				return "", false // the whole form, without the field
			}
			start += i + 1
		}
		if !p.fill() {
			return "", p.err == nil // at the limit: the rest was not searched
		}
	}
}

// formPair returns the value of the URL-encoded pair when its name is
// field.
func formPair(pair []byte, field string) (string, bool) {
	if len(pair) == 0 || bytes.IndexByte(pair, ';') >= 0 {
		return "", false
	}
	k, v, _ := bytes.Cut(pair, []byte("="))
	if bytes.ContainsAny(k, "%+") {
		key, err := url.QueryUnescape(string(k))
		if err != nil || key != field {
			return "", false
		}
	} else if string(k) != field {
		return "", false
	}
	val, err := url.QueryUnescape(string(v))
	if err != nil {
		return "", false
	}
	return val, true
}

// multipartField reads the parts of a multipart form up to the first one
// named field, and stops at the first file: a form puts its token field
// before its file inputs.
func multipartField(p *bodyPrefix, boundary, field string) (string, bool) {
	if boundary == "" {
		return "", false
	}
	mr := multipart.NewReader(p, boundary)
	for {
		part, err := mr.NextPart()
		if err != nil {
			// The end of the form, or of what the limit let through.
			return "", err != io.EOF && p.err == nil
		}
		if part.FileName() != "" {
			return "", true
		}
		if part.FormName() != field {
			continue
		}
		var b strings.Builder
		if _, err := io.Copy(&b, part); err != nil {
			return "", p.err == nil
		}
		return b.String(), false
	}
}
