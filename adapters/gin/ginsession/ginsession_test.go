package ginsession_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/session2/session2/adapters/gin/ginsession"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
	"github.com/session2/session2/stores/memstore"
)

// fixture is a gin engine behind a real HTTP server, with a manager of
// session.Map on a memstore.
type fixture struct {
	t     *testing.T
	store *sessiontest.Wrapper
	mgr   *session.Manager[session.Map]
	r     *gin.Engine
	srv   *httptest.Server
}

func newFixture(t *testing.T, build func(f *fixture)) *fixture {
	t.Helper()
	ms := memstore.New(memstore.WithSweepInterval(0))
	t.Cleanup(func() { ms.Close() })
	f := &fixture{t: t, store: sessiontest.Wrap(ms)}
	m, err := session.New[session.Map](f.store, session.WithLogger(discardLogger()))
	if err != nil {
		t.Fatal(err)
	}
	f.mgr = m
	f.r = gin.New()
	build(f)
	f.srv = httptest.NewServer(f.r)
	t.Cleanup(f.srv.Close)
	return f
}

// browser is a client with a cookie jar that does not follow redirects.
func (f *fixture) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func (f *fixture) do(c *http.Client, req *http.Request) (*http.Response, string) {
	f.t.Helper()
	res, err := c.Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return res, string(b)
}

func (f *fixture) get(c *http.Client, path string) (*http.Response, string) {
	f.t.Helper()
	req, _ := http.NewRequest("GET", f.srv.URL+path, nil)
	return f.do(c, req)
}

func (f *fixture) postForm(c *http.Client, path string, form url.Values, header http.Header) (*http.Response, string) {
	f.t.Helper()
	req, _ := http.NewRequest("POST", f.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	return f.do(c, req)
}

// routes installs a small application: /set and /get a key, /login a
// user, /token a form token.
func routes(r gin.IRoutes) {
	r.GET("/set", func(c *gin.Context) {
		ginsession.Get[session.Map](c).Data().Set(c.Query("key"), c.Query("value"))
		c.String(http.StatusOK, "ok")
	})
	r.GET("/get", func(c *gin.Context) {
		v, _ := ginsession.Get[session.Map](c).Data().GetString(c.Query("key"))
		c.String(http.StatusOK, v)
	})
	r.GET("/login", func(c *gin.Context) {
		if err := ginsession.Get[session.Map](c).SetUser(c.Query("user")); err != nil {
			c.String(http.StatusInternalServerError, err.Error())
			return
		}
		c.String(http.StatusOK, "ok")
	})
	r.GET("/token", func(c *gin.Context) {
		tok, err := ginsession.Get[session.Map](c).NewFormToken()
		if err != nil {
			c.String(http.StatusInternalServerError, err.Error())
			return
		}
		c.String(http.StatusOK, tok)
	})
}

func hasSessionCookie(res *http.Response, name string) bool {
	for _, c := range res.Cookies() {
		if c.Name == name {
			return true
		}
	}
	return false
}

func TestRequireUser(t *testing.T) {
	f := newFixture(t, func(f *fixture) {
		f.r.Use(ginsession.Middleware(f.mgr))
		routes(f.r)
		f.r.GET("/account", ginsession.RequireUser[session.Map]("/login-page"), func(c *gin.Context) {
			c.String(http.StatusOK, "account of "+ginsession.Get[session.Map](c).User())
		})
		f.r.GET("/api/me", ginsession.RequireUser[session.Map](""), func(c *gin.Context) {
			c.String(http.StatusOK, ginsession.Get[session.Map](c).User())
		})
	})
	b := f.browser()
	res, body := f.get(b, "/account")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login-page" {
		t.Errorf("anonymous /account: %d to %q, want 303 to /login-page", res.StatusCode, res.Header.Get("Location"))
	}
	if strings.Contains(body, "account of") {
		t.Errorf("anonymous /account reached the handler: %q", body)
	}
	res, body = f.get(b, "/api/me")
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous /api/me: %d %q, want 401", res.StatusCode, body)
	}
	f.get(b, "/login?user=ann")
	if res, body = f.get(b, "/account"); res.StatusCode != http.StatusOK || body != "account of ann" {
		t.Errorf("logged-in /account: %d %q", res.StatusCode, body)
	}
	if res, body = f.get(b, "/api/me"); res.StatusCode != http.StatusOK || body != "ann" {
		t.Errorf("logged-in /api/me: %d %q", res.StatusCode, body)
	}
}

func TestCheckFormToken(t *testing.T) {
	var reached atomic.Int64
	f := newFixture(t, func(f *fixture) {
		f.r.Use(ginsession.Middleware(f.mgr))
		routes(f.r)
		g := f.r.Group("/", ginsession.CheckFormToken[session.Map]())
		h := func(c *gin.Context) {
			reached.Add(1)
			c.String(http.StatusOK, "done")
		}
		g.GET("/transfer", h)
		g.POST("/transfer", h)
	})
	b := f.browser()
	if res, _ := f.get(b, "/transfer"); res.StatusCode != http.StatusOK {
		t.Errorf("GET /transfer without a token: %d, want 200 (safe method)", res.StatusCode)
	}
	reached.Store(0)

	_, tok := f.get(b, "/token")
	cases := []struct {
		name   string
		form   url.Values
		header http.Header
		want   int
	}{
		{"no token", url.Values{}, nil, http.StatusForbidden},
		{"wrong token", url.Values{"form_token": {otherToken(tok)}}, nil, http.StatusForbidden},
		{"form field", url.Values{"form_token": {tok}}, nil, http.StatusOK},
		{"used twice", url.Values{"form_token": {tok}}, nil, http.StatusForbidden},
	}
	for _, tc := range cases {
		res, body := f.postForm(b, "/transfer", tc.form, tc.header)
		if res.StatusCode != tc.want {
			t.Errorf("%s: %d %q, want %d", tc.name, res.StatusCode, body, tc.want)
		}
	}
	if n := reached.Load(); n != 1 {
		t.Errorf("the handler ran %d times, want once", n)
	}
	_, tok2 := f.get(b, "/token")
	if res, body := f.postForm(b, "/transfer", nil, http.Header{"X-Form-Token": {tok2}}); res.StatusCode != http.StatusOK {
		t.Errorf("header token: %d %q", res.StatusCode, body)
	}
	// A request without a session at all is refused too.
	if res, _ := f.postForm(f.browser(), "/transfer", url.Values{"form_token": {tok}}, nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("a token from another browser: %d, want 403", res.StatusCode)
	}
}

func TestSkip(t *testing.T) {
	f := newFixture(t, func(f *fixture) {
		f.r.Use(ginsession.Middleware(f.mgr,
			ginsession.WithSkipPaths("/healthz", "/static/*file"),
			ginsession.WithSkipper(func(c *gin.Context) bool { return c.GetHeader("X-Skip") != "" }),
		))
		routes(f.r)
		probe := func(c *gin.Context) {
			_, ok := ginsession.Lookup[session.Map](c)
			if ok {
				c.String(http.StatusOK, "session")
				return
			}
			c.String(http.StatusOK, "none")
		}
		f.r.GET("/healthz", probe)
		f.r.GET("/static/*file", probe)
		f.r.GET("/probe", probe)
	})
	b := f.browser()
	f.get(b, "/set?key=a&value=1")
	loads := int64(f.store.Calls(sessiontest.Load))
	for _, path := range []string{"/healthz", "/static/app.css", "/static/js/x.js"} {
		res, body := f.get(b, path)
		if body != "none" || hasSessionCookie(res, f.mgr.CookieName()) {
			t.Errorf("%s: %q, cookie %v; want it skipped", path, body, res.Cookies())
		}
	}
	req, _ := http.NewRequest("GET", f.srv.URL+"/probe", nil)
	req.Header.Set("X-Skip", "1")
	if _, body := f.do(b, req); body != "none" {
		t.Errorf("skipper: %q, want none", body)
	}
	if n := int64(f.store.Calls(sessiontest.Load)) - loads; n != 0 {
		t.Errorf("skipped requests made %d store loads", n)
	}
	if _, body := f.get(b, "/probe"); body != "session" {
		t.Errorf("/probe: %q, want a session", body)
	}
}

// TestStatusKept checks that gin's Status, Size and Written report what was
// sent, seen from a middleware installed before the session's.
func TestStatusKept(t *testing.T) {
	type seen struct {
		status, size int
		written      bool
	}
	got := make(chan seen, 1)
	f := newFixture(t, func(f *fixture) {
		f.r.Use(func(c *gin.Context) {
			c.Next()
			got <- seen{c.Writer.Status(), c.Writer.Size(), c.Writer.Written()}
		}, ginsession.Middleware(f.mgr))
		routes(f.r)
		f.r.GET("/created", func(c *gin.Context) {
			ginsession.Get[session.Map](c).Data().Set("a", "1")
			c.String(http.StatusCreated, "hello")
		})
		f.r.GET("/empty", func(c *gin.Context) {
			ginsession.Get[session.Map](c).Data().Set("b", "2")
			c.Status(http.StatusAccepted)
		})
	})
	b := f.browser()
	res, body := f.get(b, "/created")
	if res.StatusCode != http.StatusCreated || body != "hello" || !hasSessionCookie(res, f.mgr.CookieName()) {
		t.Errorf("/created: %d %q cookies %v", res.StatusCode, body, res.Cookies())
	}
	if s := <-got; s != (seen{http.StatusCreated, 5, true}) {
		t.Errorf("/created seen as %+v", s)
	}
	// Nothing written: gin sends the header after the chain, and the
	// session is committed before that with the recorded status.
	res, _ = f.get(b, "/empty")
	if res.StatusCode != http.StatusAccepted {
		t.Errorf("/empty: %d", res.StatusCode)
	}
	if s := <-got; s != (seen{http.StatusAccepted, -1, false}) {
		t.Errorf("/empty seen as %+v", s)
	}
	if _, v := f.get(b, "/get?key=b"); v != "2" {
		t.Errorf("a change on a response without a body was not saved: %q", v)
	}
}

func TestAbortWithServerError(t *testing.T) {
	f := newFixture(t, func(f *fixture) {
		f.r.Use(ginsession.Middleware(f.mgr))
		routes(f.r)
		f.r.GET("/unavailable", func(c *gin.Context) {
			ginsession.Get[session.Map](c).Data().Set("x", "1")
			c.AbortWithStatus(http.StatusServiceUnavailable)
		})
		f.r.GET("/status-late", func(c *gin.Context) {
			ginsession.Get[session.Map](c).Data().Set("y", "1")
			c.Status(http.StatusOK)
			c.Status(http.StatusInternalServerError) // still only recorded
		})
		f.r.GET("/error-json", func(c *gin.Context) {
			ginsession.Get[session.Map](c).Data().Set("z", "1")
			c.JSON(http.StatusBadGateway, gin.H{"error": "upstream"})
		})
	})
	b := f.browser()
	f.get(b, "/set?key=a&value=1")
	saves := int64(f.store.Calls(sessiontest.Save))
	for _, path := range []string{"/unavailable", "/status-late", "/error-json"} {
		res, _ := f.get(b, path)
		if res.StatusCode < 500 || hasSessionCookie(res, f.mgr.CookieName()) {
			t.Errorf("%s: %d, cookies %v", path, res.StatusCode, res.Cookies())
		}
	}
	if n := int64(f.store.Calls(sessiontest.Save)) - saves; n != 0 {
		t.Errorf("5xx responses made %d saves", n)
	}
	for _, k := range []string{"x", "y", "z"} {
		if _, v := f.get(b, "/get?key="+k); v != "" {
			t.Errorf("key %s of a 5xx response was saved: %q", k, v)
		}
	}
}

// TestPanicThroughCustomRecovery: a recovery installed before the session
// middleware that answers a panic with a 200 page still saves nothing.
func TestPanicThroughCustomRecovery(t *testing.T) {
	f := newFixture(t, func(f *fixture) {
		f.r.Use(gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, _ any) {
			c.String(http.StatusOK, "sorry")
		}), ginsession.Middleware(f.mgr))
		routes(f.r)
		f.r.GET("/panic", func(c *gin.Context) {
			ginsession.Get[session.Map](c).Data().Set("p", "1")
			panic("deliberate")
		})
	})
	b := f.browser()
	f.get(b, "/set?key=a&value=1")
	saves := int64(f.store.Calls(sessiontest.Save))
	if res, body := f.get(b, "/panic"); res.StatusCode != http.StatusOK || body != "sorry" {
		t.Errorf("/panic: %d %q", res.StatusCode, body)
	}
	if n := int64(f.store.Calls(sessiontest.Save)) - saves; n != 0 {
		t.Errorf("a panicking request made %d saves", n)
	}
	if _, v := f.get(b, "/get?key=p"); v != "" {
		t.Errorf("a panicking request's change was saved: %q", v)
	}
	anon := f.browser()
	if res, _ := f.get(anon, "/panic"); hasSessionCookie(res, f.mgr.CookieName()) {
		t.Error("a panicking anonymous request got a cookie")
	}
}

func TestStoreErrors(t *testing.T) {
	var handlerRuns atomic.Int64
	var ginErrs atomic.Value
	f := newFixture(t, func(f *fixture) {
		f.r.Use(func(c *gin.Context) {
			c.Next()
			ginErrs.Store(c.Errors.String())
		}, ginsession.Middleware(f.mgr))
		routes(f.r)
		f.r.GET("/write", func(c *gin.Context) {
			handlerRuns.Add(1)
			ginsession.Get[session.Map](c).Data().Set("w", "1")
			if _, err := c.Writer.WriteString("handler body"); !errors.Is(err, ginsession.ErrDiscarded) {
				t.Errorf("write after a failed commit: %v, want ErrDiscarded", err)
			}
		})
	})
	b := f.browser()
	f.get(b, "/set?key=a&value=1")

	// The save fails: the manager's error handler answers instead.
	f.store.Fail(sessiontest.Save, sessiontest.ErrInjected)
	res, body := f.get(b, "/write")
	f.store.Fail(sessiontest.Save, nil)
	if res.StatusCode != http.StatusServiceUnavailable || strings.Contains(body, "handler body") {
		t.Errorf("failed commit: %d %q, want the error handler's 503", res.StatusCode, body)
	}
	if s, _ := ginErrs.Load().(string); !strings.Contains(s, "injected") {
		t.Errorf("c.Errors = %q, want the store error", s)
	}

	// The load fails: the handler does not run.
	f.store.Fail(sessiontest.Load, sessiontest.ErrInjected)
	runs := handlerRuns.Load()
	res, _ = f.get(b, "/write")
	f.store.Fail(sessiontest.Load, nil)
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("failed load: %d, want 503", res.StatusCode)
	}
	if handlerRuns.Load() != runs {
		t.Error("the handler ran although the session could not be loaded")
	}
	if s, _ := ginErrs.Load().(string); !strings.Contains(s, "injected") {
		t.Errorf("c.Errors = %q, want the store error", s)
	}
	if _, v := f.get(b, "/get?key=a"); v != "1" {
		t.Errorf("after the failures: %q, want 1", v)
	}
}

func TestHijack(t *testing.T) {
	f := newFixture(t, func(f *fixture) {
		f.r.Use(ginsession.Middleware(f.mgr))
		routes(f.r)
		f.r.GET("/hijack", func(c *gin.Context) {
			ginsession.Get[session.Map](c).Data().Set("h", "1")
			conn, rw, err := http.NewResponseController(c.Writer).Hijack()
			if err != nil {
				t.Errorf("hijack: %v", err)
				return
			}
			defer conn.Close()
			rw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
			rw.Flush()
		})
	})
	b := f.browser()
	f.get(b, "/set?key=a&value=1")
	if _, body := f.get(b, "/hijack"); body != "hijacked" {
		t.Errorf("/hijack: %q", body)
	}
	if _, v := f.get(b, "/get?key=h"); v != "1" {
		t.Errorf("the hijacking request's change: %q, want it saved", v)
	}
}

func TestWriterInterfaces(t *testing.T) {
	f := newFixture(t, func(f *fixture) {
		f.r.Use(ginsession.Middleware(f.mgr))
		f.r.GET("/x", func(c *gin.Context) {
			if c.Writer.CloseNotify() == nil {
				t.Error("CloseNotify returned nil")
			}
			_ = c.Writer.Pusher() // nil over HTTP/1.1, but must not panic
			rc := http.NewResponseController(c.Writer)
			if err := rc.SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
				t.Errorf("SetWriteDeadline through the writer: %v", err)
			}
			c.Writer.WriteHeaderNow()
			if !c.Writer.Written() || c.Writer.Size() != 0 {
				t.Errorf("after WriteHeaderNow: written %v size %d", c.Writer.Written(), c.Writer.Size())
			}
		})
	})
	if res, _ := f.get(f.browser(), "/x"); res.StatusCode != http.StatusOK {
		t.Errorf("status %d", res.StatusCode)
	}
}

func TestSetupMistakes(t *testing.T) {
	mustPanic := func(name string, fn func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s did not panic", name)
			}
		}()
		fn()
	}
	mustPanic("Middleware(nil)", func() { ginsession.Middleware[session.Map](nil) })
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest("GET", "/", nil)
	mustPanic("Get without the middleware", func() { ginsession.Get[session.Map](c) })
	if _, ok := ginsession.Lookup[session.Map](c); ok {
		t.Error("Lookup found a session without the middleware")
	}
}

// TestNoRoute: gin's 404 runs the engine's middleware and then writes its
// own body; the session is left as it was.
func TestNoRoute(t *testing.T) {
	f := newFixture(t, func(f *fixture) {
		f.r.Use(ginsession.Middleware(f.mgr))
		routes(f.r)
	})
	b := f.browser()
	f.get(b, "/set?key=a&value=1")
	saves := int64(f.store.Calls(sessiontest.Save))
	res, body := f.get(b, "/nowhere")
	if res.StatusCode != http.StatusNotFound || body != "404 page not found" {
		t.Errorf("/nowhere: %d %q", res.StatusCode, body)
	}
	if hasSessionCookie(res, f.mgr.CookieName()) || int64(f.store.Calls(sessiontest.Save)) != saves {
		t.Errorf("a 404 set a cookie (%v) or saved", res.Cookies())
	}
	if _, v := f.get(b, "/get?key=a"); v != "1" {
		t.Errorf("after a 404: %q, want 1", v)
	}
	if res, _ := f.get(f.browser(), "/nowhere"); hasSessionCookie(res, f.mgr.CookieName()) {
		t.Error("an anonymous 404 got a cookie")
	}
}

// otherToken returns a token of the same shape as tok that differs from it
// in its first character, whatever that character is.
func otherToken(tok string) string {
	if tok[0] == 'x' {
		return "y" + tok[1:]
	}
	return "x" + tok[1:]
}
