package ginsession_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/session2/session2/adapters/gin/ginsession"
	"github.com/session2/session2/conformance"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// newFixture serves the gin.Engine that build fills for the manager m, behind
// a harness of conformance.
func newFixture(t *testing.T, build func(r *gin.Engine, m *session.Manager[session.Map])) *conformance.Harness {
	return conformance.NewHarness(t, func(m *session.Manager[session.Map]) http.Handler {
		r := gin.New()
		build(r, m)
		return r
	})
}

// routes installs a small application: /set and /get a key.
func routes(r gin.IRoutes) {
	r.GET("/set", func(c *gin.Context) {
		ginsession.Get[session.Map](c).Data().Set(c.Query("key"), c.Query("value"))
		c.String(http.StatusOK, "ok")
	})
	r.GET("/get", func(c *gin.Context) {
		v, _ := ginsession.Get[session.Map](c).Data().GetString(c.Query("key"))
		c.String(http.StatusOK, v)
	})

}

// TestSkip: gin's own ways of skipping, a route pattern and a Skipper
// (conformance.TestHelpers skips a path).
func TestSkip(t *testing.T) {
	f := newFixture(t, func(r *gin.Engine, m *session.Manager[session.Map]) {
		r.Use(ginsession.Middleware(m,
			ginsession.WithSkipPaths("/static/*file"),
			ginsession.WithSkipper(func(c *gin.Context) bool { return c.GetHeader("X-Skip") != "" }),
		))
		routes(r)
		probe := func(c *gin.Context) {
			_, ok := ginsession.Lookup[session.Map](c)
			if ok {
				c.String(http.StatusOK, "session")
				return
			}
			c.String(http.StatusOK, "none")
		}
		r.GET("/static/*file", probe)
		r.GET("/probe", probe)
	})
	b := f.Browser()
	b.Get("/set?key=a&value=1")
	loads := int64(f.Store.Calls(sessiontest.Load))
	for _, path := range []string{"/static/app.css", "/static/js/x.js"} {
		res, body := b.Get(path)
		if body != "none" || f.HasCookie(res) {
			t.Errorf("%s: %q, cookie %v; want it skipped", path, body, res.Cookies())
		}
	}
	req, _ := http.NewRequest("GET", f.Server.URL+"/probe", nil)
	req.Header.Set("X-Skip", "1")
	if _, body := b.Do(req); body != "none" {
		t.Errorf("skipper: %q, want none", body)
	}
	if n := int64(f.Store.Calls(sessiontest.Load)) - loads; n != 0 {
		t.Errorf("skipped requests made %d store loads", n)
	}
	if _, body := b.Get("/probe"); body != "session" {
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
	f := newFixture(t, func(r *gin.Engine, m *session.Manager[session.Map]) {
		r.Use(func(c *gin.Context) {
			c.Next()
			got <- seen{c.Writer.Status(), c.Writer.Size(), c.Writer.Written()}
		}, ginsession.Middleware(m))
		routes(r)
		r.GET("/created", func(c *gin.Context) {
			ginsession.Get[session.Map](c).Data().Set("a", "1")
			c.String(http.StatusCreated, "hello")
		})
		r.GET("/empty", func(c *gin.Context) {
			ginsession.Get[session.Map](c).Data().Set("b", "2")
			c.Status(http.StatusAccepted)
		})
	})
	b := f.Browser()
	res, body := b.Get("/created")
	if res.StatusCode != http.StatusCreated || body != "hello" || !f.HasCookie(res) {
		t.Errorf("/created: %d %q cookies %v", res.StatusCode, body, res.Cookies())
	}
	if s := <-got; s != (seen{http.StatusCreated, 5, true}) {
		t.Errorf("/created seen as %+v", s)
	}
	// Nothing written: gin sends the header after the chain, and the
	// session is committed before that with the recorded status.
	res, _ = b.Get("/empty")
	if res.StatusCode != http.StatusAccepted {
		t.Errorf("/empty: %d", res.StatusCode)
	}
	if s := <-got; s != (seen{http.StatusAccepted, -1, false}) {
		t.Errorf("/empty seen as %+v", s)
	}
	if _, v := b.Get("/get?key=b"); v != "2" {
		t.Errorf("a change on a response without a body was not saved: %q", v)
	}
}

func TestAbortWithServerError(t *testing.T) {
	f := newFixture(t, func(r *gin.Engine, m *session.Manager[session.Map]) {
		r.Use(ginsession.Middleware(m))
		routes(r)
		r.GET("/unavailable", func(c *gin.Context) {
			ginsession.Get[session.Map](c).Data().Set("x", "1")
			c.AbortWithStatus(http.StatusServiceUnavailable)
		})
		r.GET("/status-late", func(c *gin.Context) {
			ginsession.Get[session.Map](c).Data().Set("y", "1")
			c.Status(http.StatusOK)
			c.Status(http.StatusInternalServerError) // still only recorded
		})
		r.GET("/error-json", func(c *gin.Context) {
			ginsession.Get[session.Map](c).Data().Set("z", "1")
			c.JSON(http.StatusBadGateway, gin.H{"error": "upstream"})
		})
	})
	b := f.Browser()
	b.Get("/set?key=a&value=1")
	f.ExpectUnsaved(b, "/unavailable", "/status-late", "/error-json")
}

// TestPanicThroughCustomRecovery: a recovery installed before the session
// middleware that answers a panic with a 200 page still saves nothing.
func TestPanicThroughCustomRecovery(t *testing.T) {
	f := newFixture(t, func(r *gin.Engine, m *session.Manager[session.Map]) {
		r.Use(gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, _ any) {
			c.String(http.StatusOK, "sorry")
		}), ginsession.Middleware(m))
		routes(r)
		r.GET("/panic", func(c *gin.Context) {
			ginsession.Get[session.Map](c).Data().Set("p", "1")
			panic("deliberate")
		})
	})
	b := f.Browser()
	b.Get("/set?key=a&value=1")
	saves := int64(f.Store.Calls(sessiontest.Save))
	if res, body := b.Get("/panic"); res.StatusCode != http.StatusOK || body != "sorry" {
		t.Errorf("/panic: %d %q", res.StatusCode, body)
	}
	if n := int64(f.Store.Calls(sessiontest.Save)) - saves; n != 0 {
		t.Errorf("a panicking request made %d saves", n)
	}
	if _, v := b.Get("/get?key=p"); v != "" {
		t.Errorf("a panicking request's change was saved: %q", v)
	}
	anon := f.Browser()
	if res, _ := anon.Get("/panic"); f.HasCookie(res) {
		t.Error("a panicking anonymous request got a cookie")
	}
}

func TestStoreErrors(t *testing.T) {
	var handlerRuns atomic.Int64
	var ginErrs atomic.Value
	f := newFixture(t, func(r *gin.Engine, m *session.Manager[session.Map]) {
		r.Use(func(c *gin.Context) {
			c.Next()
			ginErrs.Store(c.Errors.String())
		}, ginsession.Middleware(m))
		routes(r)
		r.GET("/write", func(c *gin.Context) {
			handlerRuns.Add(1)
			ginsession.Get[session.Map](c).Data().Set("w", "1")
			if _, err := c.Writer.WriteString("handler body"); !errors.Is(err, ginsession.ErrDiscarded) {
				t.Errorf("write after a failed commit: %v, want ErrDiscarded", err)
			}
		})
	})
	b := f.Browser()
	b.Get("/set?key=a&value=1")

	// The save fails: the manager's error handler answers instead.
	f.Store.Fail(sessiontest.Save, sessiontest.ErrInjected)
	res, body := b.Get("/write")
	f.Store.Fail(sessiontest.Save, nil)
	if res.StatusCode != http.StatusServiceUnavailable || strings.Contains(body, "handler body") {
		t.Errorf("failed commit: %d %q, want the error handler's 503", res.StatusCode, body)
	}
	if s, _ := ginErrs.Load().(string); !strings.Contains(s, "injected") {
		t.Errorf("c.Errors = %q, want the store error", s)
	}

	// The load fails: the handler does not run.
	f.Store.Fail(sessiontest.Load, sessiontest.ErrInjected)
	runs := handlerRuns.Load()
	res, _ = b.Get("/write")
	f.Store.Fail(sessiontest.Load, nil)
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("failed load: %d, want 503", res.StatusCode)
	}
	if handlerRuns.Load() != runs {
		t.Error("the handler ran although the session could not be loaded")
	}
	if s, _ := ginErrs.Load().(string); !strings.Contains(s, "injected") {
		t.Errorf("c.Errors = %q, want the store error", s)
	}
	if _, v := b.Get("/get?key=a"); v != "1" {
		t.Errorf("after the failures: %q, want 1", v)
	}
}

func TestWriterInterfaces(t *testing.T) {
	f := newFixture(t, func(r *gin.Engine, m *session.Manager[session.Map]) {
		r.Use(ginsession.Middleware(m))
		r.GET("/x", func(c *gin.Context) {
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
	if res, _ := f.Browser().Get("/x"); res.StatusCode != http.StatusOK {
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
	f := newFixture(t, func(r *gin.Engine, m *session.Manager[session.Map]) {
		r.Use(ginsession.Middleware(m))
		routes(r)
	})
	b := f.Browser()
	b.Get("/set?key=a&value=1")
	saves := int64(f.Store.Calls(sessiontest.Save))
	res, body := b.Get("/nowhere")
	if res.StatusCode != http.StatusNotFound || body != "404 page not found" {
		t.Errorf("/nowhere: %d %q", res.StatusCode, body)
	}
	if f.HasCookie(res) || int64(f.Store.Calls(sessiontest.Save)) != saves {
		t.Errorf("a 404 set a cookie (%v) or saved", res.Cookies())
	}
	if _, v := b.Get("/get?key=a"); v != "1" {
		t.Errorf("after a 404: %q, want 1", v)
	}
	if res, _ := f.Browser().Get("/nowhere"); f.HasCookie(res) {
		t.Error("an anonymous 404 got a cookie")
	}
}
