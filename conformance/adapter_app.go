package conformance

// The application TestAdapter drives, and its clients.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// app is one subtest's server.
type app struct {
	t        *testing.T
	mgr      *session.Manager[session.Map]
	store    *sessiontest.Wrapper
	clock    *sessiontest.Clock
	srv      *httptest.Server
	handled  atomic.Int64 // handler runs, by routes that read the session
	streamGo chan struct{}
	holdMu   sync.Mutex
	holdIn   chan struct{}
	holdGo   chan struct{}
}

func startApp(t *testing.T, store session.Store, newHandler NewAdapterFunc, opts ...session.Option) *app {
	t.Helper()
	a := &app{t: t, store: sessiontest.Wrap(store), clock: sessiontest.NewClock(time.Now()), streamGo: make(chan struct{})}
	opts = append([]session.Option{session.WithClock(a.clock.Now), session.WithLogger(discardLogger())}, opts...)
	m, err := session.New[session.Map](a.store, opts...)
	if err != nil {
		t.Fatal(err)
	}
	a.mgr = m
	a.srv = httptest.NewUnstartedServer(newHandler(t, m, a.routes()))
	a.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	a.srv.Start()
	t.Cleanup(a.srv.Close)
	return a
}

func (a *app) routes() Routes {
	text := func(w http.ResponseWriter) { w.Header().Set("Content-Type", "text/plain; charset=utf-8") }
	return Routes{
		{"GET", "/nothing", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			text(w)
		}},
		{"GET", "/get", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			a.handled.Add(1)
			text(w)
			v, _ := s.Data().GetString(r.URL.Query().Get("key"))
			io.WriteString(w, v)
		}},
		{"GET", "/set", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			a.handled.Add(1)
			text(w)
			s.Data().Set(r.URL.Query().Get("key"), r.URL.Query().Get("value"))
			io.WriteString(w, "ok")
		}},
		{"GET", "/user", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			a.handled.Add(1)
			text(w)
			io.WriteString(w, s.User())
		}},
		{"POST", "/login", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			text(w)
			if err := s.SetUser(r.URL.Query().Get("user")); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			if r.URL.Query().Get("remember") == "on" {
				s.Remember(rememberFor)
			}
		}},
		{"POST", "/renew", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			text(w)
			if err := s.Renew(); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
			}
		}},
		{"POST", "/logout", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			text(w)
			s.Destroy()
		}},
		{"GET", "/stream", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			text(w)
			s.Data().Set("streamed", "yes")
			io.WriteString(w, "chunk-1\n")
			if err := http.NewResponseController(w).Flush(); err != nil {
				a.t.Errorf("Flush through the adapter: %v", err)
				return
			}
			select {
			case <-a.streamGo:
			case <-time.After(10 * time.Second):
				a.t.Error("the test never read the first chunk: the response was buffered")
			}
			io.WriteString(w, "chunk-2\n")
		}},
		{"GET", "/panic", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			s.Data().Set("panicked", "yes")
			panic("conformance: deliberate panic")
		}},
		{"GET", "/headers", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			h := w.Header()
			h.Set("Location", "/elsewhere")
			h.Set("X-Handler", "yes")
			h.Set("Etag", `"v1"`)
			h.Set("Cache-Control", "public, max-age=3600")
			h.Add("Set-Cookie", "handler=1; Path=/")
			s.Data().Set("headers", "yes")
			w.WriteHeader(http.StatusFound)
		}},
		{"GET", "/panic-late", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			text(w)
			s.Data().Set("panicked-late", "yes")
			io.WriteString(w, "partial")
			http.NewResponseController(w).Flush()
			panic("conformance: deliberate panic after the first byte")
		}},
		{"GET", "/hijack", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			s.Data().Set("hijacked", "yes")
			conn, rw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				a.t.Errorf("Hijack through the adapter: %v", err)
				return
			}
			defer conn.Close()
			rw.WriteString("HTTP/1.1 200 OK\r\n")
			for _, sc := range w.Header().Values("Set-Cookie") {
				rw.WriteString("Set-Cookie: " + sc + "\r\n")
			}
			if name := a.mgr.TokenResponseHeader(); name != "" {
				for _, v := range w.Header().Values(name) {
					rw.WriteString(name + ": " + v + "\r\n")
				}
			}
			rw.WriteString("Content-Length: 2\r\nConnection: close\r\n\r\nok")
			rw.Flush()
		}},
		{"GET", "/fail", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			s.Data().Set("failed", "yes")
			http.Error(w, "deliberate failure", http.StatusInternalServerError)
		}},
		{"GET", "/late", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			text(w)
			io.WriteString(w, "early")
			s.Data().Set("late", "yes")
		}},
		{"GET", "/hold", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			text(w)
			a.holdMu.Lock()
			in, goOn := a.holdIn, a.holdGo
			a.holdMu.Unlock()
			close(in)
			select {
			case <-goOn:
			case <-time.After(10 * time.Second):
				a.t.Error("/hold was never released")
			}
			if r.URL.Query().Get("action") == "renew" {
				if err := s.Renew(); err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
				}
				return
			}
			s.Data().Set(r.URL.Query().Get("key"), r.URL.Query().Get("value"))
		}},
	}
}

// hold starts a request to a /hold route from c and returns once its
// handler has loaded the session; calling the returned function lets the
// handler go on and waits for its response.
func (a *app) hold(c *client, path string) func() *http.Response {
	a.holdMu.Lock()
	a.holdIn, a.holdGo = make(chan struct{}), make(chan struct{})
	in, goOn := a.holdIn, a.holdGo
	a.holdMu.Unlock()
	type result struct {
		res *http.Response
		err error
	}
	ch := make(chan result, 1)
	go func() {
		res, err := c.send("GET", path, nil)
		ch <- result{res, err}
	}()
	select {
	case <-in:
	case <-time.After(10 * time.Second):
		a.t.Fatal("/hold handler never started")
	}
	return func() *http.Response {
		close(goOn)
		r := <-ch
		if r.err != nil {
			a.t.Fatalf("held request: %v", r.err)
		}
		body, _ := io.ReadAll(r.res.Body)
		r.res.Body.Close()
		r.res.Body = io.NopCloser(strings.NewReader(string(body)))
		c.keep(r.res)
		return r.res
	}
}

// client is a browser with one cookie: the session's.
type client struct {
	a     *app
	token string
}

func (a *app) client() *client               { return &client{a: a} }
func (a *app) clientWith(tok string) *client { return &client{a: a, token: tok} }

func (c *client) send(method, path string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequest(method, c.a.srv.URL+path, nil)
	if err != nil {
		return nil, err
	}
	if c.token != "" {
		c.a.mgr.SetRequestToken(req, c.token)
	}
	return c.a.srv.Client().Do(req)
}

// sendRaw sends a request with the headers h.
func (c *client) sendRaw(method, path string, h http.Header) (*http.Response, error) {
	req, err := http.NewRequest(method, c.a.srv.URL+path, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	return c.a.srv.Client().Do(req)
}

// keep takes the session token a response sends: the cookie, or the
// token header.
func (c *client) keep(res *http.Response) {
	if tok, sent := c.a.mgr.ResponseToken(res.Header); sent {
		c.token = tok
	}
}

// sent returns the response's headers that carry a session token: the
// Set-Cookie headers, and in header-token mode the token header's values
// too (a cookie is wrong there as well).
func (a *app) sent(res *http.Response) []string {
	out := res.Header.Values("Set-Cookie")
	if name := a.mgr.TokenResponseHeader(); name != "" {
		for _, v := range res.Header.Values(name) {
			out = append(out, name+": "+v)
		}
	}
	return out
}

// varyName is the request header a response depends on: Cookie, or the
// token header.
func (a *app) varyName() string {
	if name := a.mgr.TokenHeader(); name != "" {
		return name
	}
	return "Cookie"
}

// rawToken returns the request headers that carry v as the session token,
// unchecked.
func (a *app) rawToken(v string) http.Header {
	switch name := a.mgr.TokenHeader(); name {
	case "":
		return http.Header{"Cookie": {a.mgr.CookieName() + "=" + v}}
	case "Authorization":
		return http.Header{"Authorization": {"Bearer " + v}}
	default:
		return http.Header{name: {v}}
	}
}

func (c *client) do(method, path string) *http.Response {
	c.a.t.Helper()
	res, err := c.send(method, path, nil)
	if err != nil {
		c.a.t.Fatalf("%s %s: %v", method, path, err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	res.Body = io.NopCloser(strings.NewReader(string(body)))
	c.keep(res)
	return res
}

func (c *client) get(path string) *http.Response  { c.a.t.Helper(); return c.do("GET", path) }
func (c *client) post(path string) *http.Response { c.a.t.Helper(); return c.do("POST", path) }

// tryGet sends a request that may fail (a panicking handler).
func (c *client) tryGet(path string) {
	res, err := c.send("GET", path, nil)
	if err == nil {
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		c.keep(res)
	}
}

func readBody(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func headerHas(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), token) {
				return true
			}
		}
	}
	return false
}

// has reports whether a live session record is stored for the token.
func (a *app) has(token string) bool {
	rec, err := a.store.Store.Load(context.Background(), keyOf(token))
	return err == nil && len(rec.Data) > 0
}

// afterTombstone runs f once, after the next save that retires a record
// (an update to empty Data).
func (a *app) afterTombstone(f func()) {
	a.store.After(sessiontest.Save, sessiontest.Once(
		func(_ string, rec session.Record) bool {
			return rec.Version > 0 && (len(rec.Data) == 0 || rec.Data[0] == 0)
		},
		func(_ context.Context, _ string, _ session.Record, err error) error {
			if err == nil {
				f()
			}
			return err
		}))
}

// keyOf is the store key of a token, as the core computes it: the
// lowercase hexadecimal SHA-256 of the token.
func keyOf(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
