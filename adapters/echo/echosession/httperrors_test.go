package echosession_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/session2/session2/adapters/echo/echosession"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// errorsApp is an echo app with every layer of session2, whose
// HTTPErrorHandler records what it gets, over a store that can fail.
type errorsApp struct {
	e       *echo.Echo
	m       *session.Manager[session.Map]
	st      *sessiontest.Wrapper
	logs    bytes.Buffer
	handled []error
}

func newErrorsApp(t *testing.T, opts ...session.Option) *errorsApp {
	a := &errorsApp{st: sessiontest.Wrap(sessiontest.NewStore())}
	var err error
	a.m, err = session.New[session.Map](a.st, append([]session.Option{
		session.WithLogger(slog.New(slog.NewTextHandler(&a.logs, nil))), session.WithMaxSize(200)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	a.e = newEcho()
	a.e.HTTPErrorHandler = func(err error, c echo.Context) {
		a.handled = append(a.handled, err)
		a.e.DefaultHTTPErrorHandler(err, c)
	}
	a.e.Use(echosession.CrossOrigin(session.NewCrossOriginProtection()), echosession.Middleware(a.m),
		echosession.CSRF(session.NewCSRF(nil)))
	a.e.POST("/set", func(c echo.Context) error {
		echosession.Get[session.Map](c).Data().Set("k", c.QueryParam("v"))
		return c.String(http.StatusOK, "set")
	})
	a.e.GET("/api", func(c echo.Context) error { return c.NoContent(http.StatusOK) }, echosession.RequireUser[session.Map](""))
	a.e.GET("/page", func(c echo.Context) error { return c.NoContent(http.StatusOK) }, echosession.RequireUser[session.Map]("/login"))
	a.e.DELETE("/once", func(c echo.Context) error { return c.NoContent(http.StatusOK) }, echosession.CheckFormToken[session.Map]())
	return a
}

// do sends a request, with the session cookie of cookie when not empty,
// and returns the response and its cookie.
func (a *errorsApp) do(t *testing.T, method, target, cookie string, header map[string]string) (*httptest.ResponseRecorder, string) {
	t.Helper()
	a.handled, a.logs = nil, bytes.Buffer{}
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	rec := httptest.NewRecorder()
	a.e.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		cookie = c.Name + "=" + c.Value
	}
	return rec, cookie
}

// TestSessionErrorsThroughHTTPErrorHandler: every session error (a
// cross-origin or CSRF refusal, RequireUser's 401, CheckFormToken's 403,
// a failed load, a failed commit, a session over the size limit) is
// answered by echo's HTTPErrorHandler, once, in echo's JSON; failed loads
// and commits are logged once by the manager, the size limit naming
// session.WithMaxSize. RequireUser's redirect is no error.
func TestSessionErrorsThroughHTTPErrorHandler(t *testing.T) {
	a := newErrorsApp(t)
	_, cookie := a.do(t, "POST", "/set?v=1", "", nil)
	if cookie == "" {
		t.Fatal("no session cookie")
	}
	cases := []struct {
		name   string
		do     func() *httptest.ResponseRecorder
		status int
		is     error
		logs   []string // each a line the manager logs; none when nil
	}{
		{"cross-origin", func() *httptest.ResponseRecorder {
			rec, _ := a.do(t, "POST", "/set?v=2", cookie, map[string]string{"Sec-Fetch-Site": "cross-site"})
			return rec
		}, http.StatusForbidden, session.ErrCrossOrigin, nil},
		{"csrf", func() *httptest.ResponseRecorder {
			rec, _ := a.do(t, "POST", "/set?v=2", cookie, map[string]string{"X-CSRF-Token": "forged"})
			return rec
		}, http.StatusForbidden, session.ErrCSRF, nil},
		{"login required", func() *httptest.ResponseRecorder {
			rec, _ := a.do(t, "GET", "/api", cookie, nil)
			if rec.Header().Get("WWW-Authenticate") != `Session realm="session"` {
				t.Errorf("login required: WWW-Authenticate %q", rec.Header().Get("WWW-Authenticate"))
			}
			return rec
		}, http.StatusUnauthorized, session.ErrLoginRequired, nil},
		{"form token", func() *httptest.ResponseRecorder {
			rec, _ := a.do(t, "DELETE", "/once", cookie, nil)
			return rec
		}, http.StatusForbidden, session.ErrFormToken, nil},
		{"load", func() *httptest.ResponseRecorder {
			a.st.Fail(sessiontest.Load, sessiontest.ErrInjected)
			defer a.st.Fail(sessiontest.Load, nil)
			rec, _ := a.do(t, "POST", "/set?v=2", cookie, nil)
			return rec
		}, http.StatusServiceUnavailable, sessiontest.ErrInjected, []string{"session: request failed"}},
		{"commit", func() *httptest.ResponseRecorder {
			a.st.Fail(sessiontest.Save, sessiontest.ErrInjected)
			defer a.st.Fail(sessiontest.Save, nil)
			rec, _ := a.do(t, "POST", "/set?v=2", cookie, nil)
			return rec
		}, http.StatusServiceUnavailable, sessiontest.ErrInjected, []string{"session: request failed"}},
		{"too large", func() *httptest.ResponseRecorder {
			rec, _ := a.do(t, "POST", "/set?v="+strings.Repeat("x", 300), cookie, nil)
			return rec
		}, http.StatusInternalServerError, session.ErrTooLarge, []string{"session.WithMaxSize", "limit of 200 bytes"}},
	}
	for _, tc := range cases {
		rec := tc.do()
		if rec.Code != tc.status || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Errorf("%s: %d %q %q, want echo's JSON %d", tc.name, rec.Code, rec.Header().Get("Content-Type"), rec.Body, tc.status)
		}
		if len(a.handled) != 1 || !errors.Is(a.handled[0], tc.is) {
			t.Errorf("%s: HTTPErrorHandler got %v, want one error wrapping %v", tc.name, a.handled, tc.is)
		}
		n := strings.Count(a.logs.String(), "\n")
		if tc.logs == nil && n != 0 || tc.logs != nil && n != 1 {
			t.Errorf("%s: the manager logged %d lines:\n%s", tc.name, n, a.logs.String())
		}
		for _, want := range tc.logs {
			if !strings.Contains(a.logs.String(), want) {
				t.Errorf("%s: the log does not hold %q:\n%s", tc.name, want, a.logs.String())
			}
		}
	}
	if rec, _ := a.do(t, "GET", "/page", cookie, nil); rec.Code != http.StatusSeeOther ||
		rec.Header().Get("Location") != "/login" || len(a.handled) != 0 {
		t.Errorf("RequireUser with a login page: %d to %q, HTTPErrorHandler got %v; want 303 to /login, no error",
			rec.Code, rec.Header().Get("Location"), a.handled)
	}
	if rec, _ := a.do(t, "GET", "/nothing", cookie, nil); rec.Code != http.StatusNotFound {
		t.Errorf("after the failures: %d", rec.Code)
	}
}

// TestAppErrorHandlerAnswersOnEcho: an error handler the application set
// on the manager answers failed loads and commits on echo too.
func TestAppErrorHandlerAnswersOnEcho(t *testing.T) {
	a := newErrorsApp(t, session.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, err error) {
		http.Error(w, "app page", http.StatusTeapot)
	}))
	_, cookie := a.do(t, "POST", "/set?v=1", "", nil)
	for _, op := range []sessiontest.Op{sessiontest.Load, sessiontest.Save} {
		a.st.Fail(op, sessiontest.ErrInjected)
		rec, _ := a.do(t, "POST", "/set?v=2", cookie, nil)
		a.st.Fail(op, nil)
		if rec.Code != http.StatusTeapot || !strings.Contains(rec.Body.String(), "app page") || len(a.handled) != 0 {
			t.Errorf("%v failure: %d %q, HTTPErrorHandler got %v; want the app's page only", op, rec.Code, rec.Body, a.handled)
		}
		if n := strings.Count(a.logs.String(), "\n"); n != 1 {
			t.Errorf("%v failure: logged %d lines, want 1:\n%s", op, n, a.logs.String())
		}
	}
}
