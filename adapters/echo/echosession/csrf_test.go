package echosession_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/session2/session2/adapters/echo/echosession"
	"github.com/session2/session2/conformance"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/memstore"
)

func TestCSRF(t *testing.T) {
	conformance.TestCSRF(t, func(t *testing.T, m *session.Manager[session.Map], cop *session.CrossOriginProtection, csrf *session.CSRF, routes conformance.Routes) http.Handler {
		e := newEcho()
		e.Use(quietRecover(), echosession.CrossOrigin(cop), echosession.Middleware(m), echosession.CSRF(csrf))
		serve(e, routes)
		return e
	})
}

// TestCSRFHandlers: the refusals go through the application's handlers,
// and the route's handler does not run.
func TestCSRFHandlers(t *testing.T) {
	mgr, err := session.New[session.Map](memstore.New())
	if err != nil {
		t.Fatal(err)
	}
	cop := session.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	var got error
	csrf := session.NewCSRF(session.WithCSRFErrorHandler(func(w http.ResponseWriter, r *http.Request, err error) {
		got = err
		w.WriteHeader(http.StatusUnavailableForLegalReasons)
	}))
	e := newEcho()
	e.Use(echosession.CrossOrigin(cop), echosession.Middleware(mgr), echosession.CSRF(csrf))
	reached := false
	e.POST("/", func(c echo.Context) error { reached = true; return nil })

	req := httptest.NewRequest("POST", "/", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	w := httptest.NewRecorder()
	e.ServeHTTP(w, req)
	if w.Code != http.StatusTeapot || reached {
		t.Errorf("cross-site: %d, reached %v; want 418 from the deny handler", w.Code, reached)
	}
	// An anonymous session has no token: a forged one in the header is
	// refused (its form body would not be read).
	req = httptest.NewRequest("POST", "/", strings.NewReader("a=1"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(session.DefaultCSRFHeader, "forged")
	w = httptest.NewRecorder()
	e.ServeHTTP(w, req)
	if w.Code != http.StatusUnavailableForLegalReasons || reached || !errors.Is(got, session.ErrCSRF) {
		t.Errorf("forged token: %d, reached %v, err %v; want 451 from the error handler", w.Code, reached, got)
	}
}
