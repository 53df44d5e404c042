package echosession_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/session2/session2/adapters/echo/echosession"
	"github.com/session2/session2/conformance/storetest"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

type account struct{ Balance int }

// frontApp is an application with a login that can remember the user and
// send them back, a page behind RequireUser, and "log out everywhere".
func frontApp(m *session.Manager[account]) http.Handler {
	e := newEcho()
	e.Use(echosession.Middleware(m))
	e.POST("/login", func(c echo.Context) error {
		s := echosession.Get[account](c)
		if err := s.SetUser(c.QueryParam("user")); err != nil {
			return err
		}
		s.SetPersistent(c.QueryParam("remember") == "on")
		return c.Redirect(http.StatusSeeOther, session.ReturnTo(c.Request(), "next", "/"))
	})
	e.GET("/account", func(c echo.Context) error {
		return c.String(http.StatusOK, fmt.Sprintf("balance %d", echosession.Get[account](c).Data().Balance))
	}, echosession.RequireUser[account]("/login", echosession.ReturnTo("next")))
	e.POST("/deposit", func(c echo.Context) error {
		echosession.Get[account](c).Data().Balance += 10
		return c.NoContent(http.StatusOK)
	})
	e.POST("/logout-everywhere", func(c echo.Context) error {
		s := echosession.Get[account](c)
		n, err := m.LogoutUser(c.Request().Context(), s.User())
		if err != nil {
			return err
		}
		s.AddFlashKind(session.FlashSuccess, fmt.Sprintf("logged out of %d sessions", n))
		return c.Redirect(http.StatusSeeOther, "/")
	})
	return e
}

func TestFrontEnds(t *testing.T) {
	for _, mode := range []string{"cookie", "header"} {
		t.Run(mode, func(t *testing.T) {
			var opts []session.Option
			if mode == "header" {
				opts = append(opts, session.WithHeaderToken("Authorization"))
			}
			m := sessiontest.NewManager[account](t, opts...)
			h := frontApp(m)
			do := func(r *http.Request) *http.Response {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, r)
				return rec.Result()
			}

			// The test kit: a request with a session, the session after.
			req := sessiontest.WithSession(t, m, httptest.NewRequest("POST", "/deposit", nil), "ann",
				func(s *session.Session[account]) { s.Data().Balance = 5 })
			st := sessiontest.SessionAfter(t, m, req, do(req))
			if !st.Found || st.User != "ann" || st.Data.Balance != 15 {
				t.Fatalf("after a deposit: %+v", st)
			}

			// RequireUser sends an anonymous visitor to the login page with
			// the way back, and the login returns there, remembered.
			res := do(httptest.NewRequest("GET", "/account?tab=2", nil))
			if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/login?next=%2Faccount%3Ftab%3D2" {
				t.Fatalf("anonymous /account: %d %q", res.StatusCode, loc)
			}
			login := httptest.NewRequest("POST", "/login?user=ann&remember=on&next=%2Faccount%3Ftab%3D2", nil)
			res = do(login)
			if loc := res.Header.Get("Location"); loc != "/account?tab=2" {
				t.Errorf("login went to %q, want back to /account?tab=2", loc)
			}
			st = sessiontest.SessionAfter(t, m, login, res)
			if !st.Persistent || st.User != "ann" {
				t.Errorf("remembered login: %+v", st)
			}
			if mode == "cookie" && !strings.Contains(res.Header.Get("Set-Cookie"), "Max-Age=") {
				t.Errorf("remember-me cookie %q has no Max-Age", res.Header.Get("Set-Cookie"))
			}
			evil := httptest.NewRequest("POST", "/login?user=ann&next=//evil.example", nil)
			if loc := do(evil).Header.Get("Location"); loc != "/" {
				t.Errorf("login with next=//evil.example went to %q", loc)
			}

			// Log out everywhere: every session of the user goes (the five
			// made above), and a fresh anonymous session carries the flash
			// to the next page.
			other := sessiontest.WithSession(t, m, httptest.NewRequest("GET", "/account", nil), "ann", nil)
			here := sessiontest.WithSession(t, m, httptest.NewRequest("POST", "/logout-everywhere", nil), "ann", nil)
			res = do(here)
			st = sessiontest.SessionAfter(t, m, here, res)
			if !st.Found || st.User != "" || len(st.Flashes) != 1 || st.Flashes[0].Text != "logged out of 5 sessions" {
				t.Errorf("after logging out everywhere: %+v", st)
			}
			if res := do(other); res.StatusCode != http.StatusSeeOther {
				t.Errorf("another session of the user still opens /account: %d", res.StatusCode)
			}
		})
	}
}

func TestGetNamesBothTypes(t *testing.T) {
	m := sessiontest.NewManager[account](t)
	var msg string
	e := newEcho()
	e.Use(echosession.Middleware(m))
	e.GET("/", func(c echo.Context) error {
		defer func() { msg = fmt.Sprint(recover()) }()
		echosession.Get[session.Map](c)
		return nil
	})
	e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if !strings.Contains(msg, "session.Map") || !strings.Contains(msg, "echosession_test.account") {
		t.Errorf("panic %q does not name both types", msg)
	}
}

// TestCommitErrorThroughHTTPErrorHandler: a failed commit is answered by
// echo's HTTPErrorHandler, called once with the commit's error, and logged
// once (the manager's store-error warning); the handler's discarded write
// is not handled or logged again.
func TestCommitErrorThroughHTTPErrorHandler(t *testing.T) {
	var logs, echoLogs bytes.Buffer
	st := storetest.Wrap(sessiontest.NewStore())
	m, err := session.New[session.Map](st, session.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	e := newEcho()
	e.Logger.SetOutput(&echoLogs)
	var handled []error
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		handled = append(handled, err)
		e.DefaultHTTPErrorHandler(err, c)
	}
	e.Use(echosession.Middleware(m))
	e.GET("/write", func(c echo.Context) error {
		echosession.Get[session.Map](c).Data().Set("k", "v")
		return c.String(http.StatusOK, "handler body")
	})
	e.GET("/quiet", func(c echo.Context) error {
		echosession.Get[session.Map](c).Data().Set("k", "v")
		return nil // nothing written: the commit happens after the chain
	})
	for _, path := range []string{"/write", "/quiet"} {
		handled, logs, echoLogs = nil, bytes.Buffer{}, bytes.Buffer{}
		st.Fail(storetest.Save, storetest.ErrInjected)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		st.Fail(storetest.Save, nil)
		if rec.Code != http.StatusServiceUnavailable || strings.Contains(rec.Body.String(), "handler body") ||
			!strings.Contains(rec.Body.String(), "Service Unavailable") {
			t.Errorf("%s: %d %q, want echo's JSON 503", path, rec.Code, rec.Body)
		}
		if len(handled) != 1 || !errors.Is(handled[0], storetest.ErrInjected) {
			t.Errorf("%s: HTTPErrorHandler got %v, want the commit's error once", path, handled)
		}
		if n := strings.Count(logs.String(), "\n"); n != 1 || echoLogs.Len() != 0 {
			t.Errorf("%s: logged %d times by the manager and %q by echo, want once:\n%s", path, n, echoLogs.String(), logs.String())
		}
	}
}
