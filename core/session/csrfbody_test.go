package session_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// countingBody counts the bytes read from a request's body.
type countingBody struct {
	io.ReadCloser
	n atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

type countKey struct{}

// bodySite is a real server behind both CSRF layers, with a counter of
// the body bytes read in front of everything.
//
//	POST /login?name=  logs in (no body), answers the CSRF token
//	POST /api          reads nothing of the body (a JSON endpoint that
//	                   ignores forms); reports what the check read
//	POST /hook         answers the SHA-256 of the raw body
//	POST /upload       streams the multipart body: part names and sizes
type bodySite struct {
	t      *testing.T
	srv    *httptest.Server
	cookie string
	atCall atomic.Int64 // body bytes read when the handler started, -1 if it did not
	total  atomic.Int64 // body bytes read when the request was over
	err    atomic.Value // the text of the CSRF error of a refused request
	parsed atomic.Bool  // r.PostForm or r.MultipartForm was set at the handler
	spool  atomic.Int64 // files in the temporary directory at the handler
}

func newBodySite(t *testing.T, opts session.CSRFOptions) *bodySite {
	t.Helper()
	mgr, err := session.New[session.Map](sessiontest.NewStore())
	if err != nil {
		t.Fatal(err)
	}
	s := &bodySite{t: t}
	tmp := os.TempDir()
	enter := func(r *http.Request) {
		s.atCall.Store(r.Context().Value(countKey{}).(*countingBody).n.Load())
		s.parsed.Store(r.PostForm != nil || r.MultipartForm != nil)
		ents, err := os.ReadDir(tmp)
		if err != nil {
			t.Error(err)
		}
		s.spool.Store(int64(len(ents)))
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if err := mgr.Get(r).SetUser(r.URL.Query().Get("name")); err != nil {
			t.Error(err)
		}
		_, _ = io.WriteString(w, mgr.Get(r).CSRFToken())
	})
	mux.HandleFunc("POST /api", func(w http.ResponseWriter, r *http.Request) {
		enter(r)
		_, _ = io.WriteString(w, "ok")
	})
	mux.HandleFunc("POST /hook", func(w http.ResponseWriter, r *http.Request) {
		enter(r)
		h := sha256.New()
		if _, err := io.Copy(h, r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		_, _ = io.WriteString(w, hex.EncodeToString(h.Sum(nil)))
	})
	mux.HandleFunc("POST /upload", func(w http.ResponseWriter, r *http.Request) {
		enter(r)
		mr, err := r.MultipartReader()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			n, err := io.Copy(io.Discard, p)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			fmt.Fprintf(w, "%s:%d ", p.FormName(), n)
		}
	})
	opts.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		s.err.Store(err.Error())
		http.Error(w, "refused", http.StatusForbidden)
	}
	csrf := session.NewCSRF(&opts)
	app := session.NewCrossOriginProtection().Handler(mgr.Handler(csrf.Handler(mux)))
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cb := &countingBody{ReadCloser: r.Body}
		r.Body = cb
		app.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), countKey{}, cb)))
		s.total.Store(cb.n.Load())
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// do sends a request with the site's cookie and keeps the cookie it sets.
func (s *bodySite) do(path, contentType string, body io.Reader, header map[string]string) (int, string) {
	s.t.Helper()
	s.atCall.Store(-1)
	s.err.Store("")
	req, err := http.NewRequest("POST", s.srv.URL+path, body)
	if err != nil {
		s.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if s.cookie != "" {
		req.Header.Set("Cookie", s.cookie)
	}
	res, err := s.srv.Client().Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, ck := range res.Cookies() {
		s.cookie = ck.Name + "=" + ck.Value
	}
	return res.StatusCode, string(b)
}

func (s *bodySite) login(name string) string {
	s.t.Helper()
	code, tok := s.do("/login?name="+name, "", nil, nil)
	if code != http.StatusOK || tok == "" {
		s.t.Fatalf("login: %d %q", code, tok)
	}
	return tok
}

const formType = "application/x-www-form-urlencoded"

// bigForm is a URL-encoded body of about n bytes of one field, with
// prefix before it; it is made as it is sent.
func bigForm(prefix string, n int64) io.Reader {
	return io.MultiReader(strings.NewReader(prefix+"text="), io.LimitReader(repeatByte('x'), n))
}

type repeatByte byte

func (c repeatByte) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(c)
	}
	return len(p), nil
}

// upload is a multipart body: the fields in order, then a file of size
// bytes, made as it is sent; a field named "file" stands for the file's
// place. It returns the body and its content type.
func upload(t *testing.T, size int64, fields ...string) (io.Reader, string) {
	t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		for i := 0; i+1 < len(fields); i += 2 {
			if fields[i] == "file" {
				fw, err := mw.CreateFormFile("file", "big.bin")
				if err == nil {
					_, err = io.Copy(fw, io.LimitReader(repeatByte('y'), size))
				}
				if err != nil {
					pw.CloseWithError(err)
					return
				}
				continue
			}
			if err := mw.WriteField(fields[i], fields[i+1]); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(mw.Close())
	}()
	return pr, mw.FormDataContentType()
}

// An anonymous session has no token: its body is never read, however
// large, whatever its type.
func TestCSRFAnonymousBodyNotRead(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	s := newBodySite(t, session.CSRFOptions{})
	const size = 9_900_000 // the review's 9.9 MB
	if code, _ := s.do("/api", formType, bigForm("", size), nil); code != http.StatusOK {
		t.Fatalf("anonymous URL-encoded POST: %d", code)
	}
	if n := s.atCall.Load(); n != 0 {
		t.Errorf("the check read %d bytes of an anonymous URL-encoded body, want 0", n)
	}
	body, ct := upload(t, 40<<20, "title", "x", "file", "")
	if code, _ := s.do("/api", ct, body, nil); code != http.StatusOK {
		t.Fatalf("anonymous upload: %d", code)
	}
	if n := s.atCall.Load(); n != 0 {
		t.Errorf("the check read %d bytes of an anonymous upload, want 0", n)
	}
	if s.parsed.Load() || s.spool.Load() != 0 {
		t.Errorf("anonymous upload: form parsed %v, %d temporary files", s.parsed.Load(), s.spool.Load())
	}
}

// For a session with info, the check reads no more than the limit of a
// large form without a token, and the handler gets the body whole.
func TestCSRFBodyBounded(t *testing.T) {
	s := newBodySite(t, session.CSRFOptions{})
	s.login("ann")
	const size = 9_900_000
	// A script without a token (lax policy): passes, the check having read
	// a bounded prefix.
	if code, _ := s.do("/api", formType, bigForm("", size), nil); code != http.StatusOK {
		t.Fatalf("script's large form: %d", code)
	}
	if n := s.atCall.Load(); n < 0 || n > session.DefaultCSRFBodyLimit {
		t.Errorf("the check read %d bytes of a %d-byte form, want at most %d", n, size, session.DefaultCSRFBodyLimit)
	}
	if s.parsed.Load() {
		t.Error("the check left a parsed form behind")
	}
	// A browser with the token beyond the limit: refused, having read no
	// more than the limit, with an error that says why.
	tok := s.login("ann")
	body := io.MultiReader(bigForm("", size), strings.NewReader("&csrf_token="+url.QueryEscape(tok)))
	if code, _ := s.do("/api", formType, body, sameOrigin); code != http.StatusForbidden {
		t.Fatalf("browser's token after %d bytes: %d, want 403", size, code)
	}
	if n := s.total.Load(); n > session.DefaultCSRFBodyLimit {
		t.Errorf("a refused request: %d bytes read, want at most %d", n, session.DefaultCSRFBodyLimit)
	}
	if want := fmt.Sprintf("first %d bytes", session.DefaultCSRFBodyLimit); !strings.Contains(s.err.Load().(string), want) {
		t.Errorf("error %q, want it to name the %s", s.err.Load(), want)
	}
	// The token first: found at once, the rest left to the handler.
	body = bigForm("csrf_token="+url.QueryEscape(tok)+"&", size)
	if code, _ := s.do("/api", formType, body, sameOrigin); code != http.StatusOK {
		t.Fatalf("browser's token first: %d, want 200", code)
	}
	if n := s.atCall.Load(); n > session.DefaultCSRFBodyLimit {
		t.Errorf("token first: the check read %d bytes", n)
	}
	// The header is checked first: the body is not read at all.
	h := map[string]string{"Sec-Fetch-Site": "same-origin", session.DefaultCSRFHeader: tok}
	if code, _ := s.do("/api", formType, bigForm("", size), h); code != http.StatusOK {
		t.Fatalf("token in the header: %d", code)
	}
	if n := s.atCall.Load(); n != 0 {
		t.Errorf("token in the header: the check read %d bytes, want 0", n)
	}
}

// A multipart form is read up to its token field, and never into a file:
// no temporary file, no parsed form, the upload streamed whole by the
// handler.
func TestCSRFMultipartStopsAtFile(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	s := newBodySite(t, session.CSRFOptions{})
	tok := s.login("ann")
	const size = 40 << 20 // over ParseMultipartForm's 32 MB in memory
	body, ct := upload(t, size, "title", "holiday", "csrf_token", tok, "file", "")
	code, got := s.do("/upload", ct, body, sameOrigin)
	if code != http.StatusOK {
		t.Fatalf("upload with the token first: %d %q", code, got)
	}
	if want := fmt.Sprintf("title:7 csrf_token:%d file:%d ", len(tok), size); got != want {
		t.Errorf("the handler streamed %q, want %q", got, want)
	}
	if n := s.atCall.Load(); n < 0 || n > session.DefaultCSRFBodyLimit {
		t.Errorf("the check read %d bytes of the upload, want at most %d", n, session.DefaultCSRFBodyLimit)
	}
	if s.parsed.Load() || s.spool.Load() != 0 {
		t.Errorf("form parsed %v, %d temporary files", s.parsed.Load(), s.spool.Load())
	}
	// The file before the token: the check stops at the file.
	body, ct = upload(t, size, "file", "", "csrf_token", tok)
	if code, _ := s.do("/upload", ct, body, sameOrigin); code != http.StatusForbidden {
		t.Errorf("token after the file: %d, want 403", code)
	}
	if n := s.total.Load(); n > session.DefaultCSRFBodyLimit {
		t.Errorf("token after the file: %d bytes read, want at most %d", n, session.DefaultCSRFBodyLimit)
	}
}

// A webhook-style handler reads the exact raw body after the check, which
// found the token in it.
func TestCSRFWebhookReadsRawBody(t *testing.T) {
	s := newBodySite(t, session.CSRFOptions{})
	tok := s.login("ann")
	sum := func(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }
	form := []byte("event=paid&amount=12%2C50&csrf_token=" + url.QueryEscape(tok) + "&sig=a+b&note=" + strings.Repeat("z", 100_000))
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	_ = mw.WriteField("csrf_token", tok)
	_ = mw.WriteField("payload", strings.Repeat("{}", 50_000))
	_ = mw.Close()
	cases := []struct {
		name, ct string
		body     []byte
		header   map[string]string
	}{
		{"form, token inside", formType, form, sameOrigin},
		{"form, script", formType, form, nil},
		{"multipart", mw.FormDataContentType(), mp.Bytes(), sameOrigin},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, got := s.do("/hook", tc.ct, bytes.NewReader(tc.body), tc.header)
			if code != http.StatusOK || got != sum(tc.body) {
				t.Errorf("status %d, body hash %q, want 200 and %q", code, got, sum(tc.body))
			}
			if s.atCall.Load() == 0 {
				t.Error("the check did not read the body: the test proves nothing")
			}
		})
	}
	// The same with the session gone (anonymous): untouched.
	s.cookie = ""
	code, got := s.do("/hook", formType, bytes.NewReader(form), nil)
	if code != http.StatusOK || got != sum(form) {
		t.Errorf("anonymous webhook: status %d, hash %q", code, got)
	}
}

// CSRFOptions.BodyLimit: a token past the limit is not found; a negative
// limit reads the header alone.
func TestCSRFBodyLimitOption(t *testing.T) {
	s := newBodySite(t, session.CSRFOptions{BodyLimit: 1024})
	tok := s.login("ann")
	late := io.MultiReader(bigForm("", 2000), strings.NewReader("&csrf_token="+url.QueryEscape(tok)))
	if code, _ := s.do("/api", formType, late, sameOrigin); code != http.StatusForbidden {
		t.Errorf("token after 2000 bytes, limit 1024: %d, want 403", code)
	}
	if n := s.total.Load(); n > 1024 {
		t.Errorf("limit 1024: %d bytes read", n)
	}
	early := "csrf_token=" + url.QueryEscape(tok) + "&text=" + strings.Repeat("x", 2000)
	if code, _ := s.do("/api", formType, strings.NewReader(early), sameOrigin); code != http.StatusOK {
		t.Errorf("token first, limit 1024: %d, want 200", code)
	}

	s = newBodySite(t, session.CSRFOptions{BodyLimit: -1})
	tok = s.login("ann")
	if code, _ := s.do("/api", formType, strings.NewReader(early), sameOrigin); code != http.StatusForbidden {
		t.Errorf("header only, token in the form: %d, want 403", code)
	}
	if n := s.total.Load(); n != 0 {
		t.Errorf("header only: %d bytes read", n)
	}
	h := map[string]string{"Sec-Fetch-Site": "same-origin", session.DefaultCSRFHeader: tok}
	if code, _ := s.do("/api", formType, strings.NewReader(early), h); code != http.StatusOK {
		t.Errorf("header only, token in the header: %d, want 200", code)
	}
}

// BenchmarkCSRFLargeForm measures the check on a 9.9 MB URL-encoded POST
// without a token to an endpoint that reads no form: anonymous, and of a
// session with info (a script, which the lax policy lets through).
func BenchmarkCSRFLargeForm(b *testing.B) {
	mgr, err := session.New[session.Map](sessiontest.NewStore())
	if err != nil {
		b.Fatal(err)
	}
	h := mgr.Handler(session.NewCSRF(nil).Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" {
			_ = mgr.Get(r).SetUser("bench")
		}
	})))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/login", nil))
	cookie := rec.Result().Cookies()[0]
	body := []byte("text=" + strings.Repeat("x", 9_900_000))
	for _, name := range []string{"anonymous", "with info"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				r := httptest.NewRequest("POST", "/api", bytes.NewReader(body))
				r.Header.Set("Content-Type", formType)
				if name != "anonymous" {
					r.AddCookie(cookie)
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}
