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
	"github.com/session2/session2/conformance"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

type account struct{ Balance int }

// frontApp is an application with a login that can remember the user and
// send them back, a page behind RequireUser, and "log out everywhere".
func frontApp(m *session.Manager[conformance.Account]) http.Handler {
	e := newEcho()
	e.Use(echosession.Middleware(m))
	e.POST("/login", func(c echo.Context) error {
		s := echosession.Get[conformance.Account](c)
		if err := s.SetUser(c.QueryParam("user")); err != nil {
			return err
		}
		s.SetPersistent(c.QueryParam("remember") == "on")
		return c.Redirect(http.StatusSeeOther, session.ReturnTo(c.Request(), "next", "/"))
	})
	e.GET("/account", func(c echo.Context) error {
		return c.String(http.StatusOK, fmt.Sprintf("balance %d", echosession.Get[conformance.Account](c).Data().Balance))
	}, echosession.RequireUser[conformance.Account]("/login", echosession.ReturnTo("next")))
	e.POST("/deposit", func(c echo.Context) error {
		echosession.Get[conformance.Account](c).Data().Balance += 10
		return c.NoContent(http.StatusOK)
	})
	e.POST("/logout-everywhere", func(c echo.Context) error {
		s := echosession.Get[conformance.Account](c)
		n, err := m.LogoutUser(c.Request().Context(), s.User())
		if err != nil {
			return err
		}
		s.AddFlashKind(session.FlashSuccess, fmt.Sprintf("logged out of %d sessions", n))
		return c.Redirect(http.StatusSeeOther, "/")
	})
	return e
}

// TestFrontEnds runs the conformance suite's front-end scenario (the test
// kit, RequireUser's return-to, remember-me, log out everywhere) on
// frontApp, with cookies and with header tokens.
func TestFrontEnds(t *testing.T) {
	conformance.TestFrontEnds(t, func(t *testing.T, m *session.Manager[conformance.Account]) http.Handler {
		return frontApp(m)
	})
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
// once (the manager's "request failed" line); the handler's discarded write
// is not handled or logged again.
func TestCommitErrorThroughHTTPErrorHandler(t *testing.T) {
	var logs, echoLogs bytes.Buffer
	st := sessiontest.Wrap(sessiontest.NewStore())
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
		st.Fail(sessiontest.Save, sessiontest.ErrInjected)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		st.Fail(sessiontest.Save, nil)
		if rec.Code != http.StatusServiceUnavailable || strings.Contains(rec.Body.String(), "handler body") ||
			!strings.Contains(rec.Body.String(), "Service Unavailable") {
			t.Errorf("%s: %d %q, want echo's JSON 503", path, rec.Code, rec.Body)
		}
		if len(handled) != 1 || !errors.Is(handled[0], sessiontest.ErrInjected) {
			t.Errorf("%s: HTTPErrorHandler got %v, want the commit's error once", path, handled)
		}
		if n := strings.Count(logs.String(), "\n"); n != 1 || echoLogs.Len() != 0 {
			t.Errorf("%s: logged %d times by the manager and %q by echo, want once:\n%s", path, n, echoLogs.String(), logs.String())
		}
	}
}
