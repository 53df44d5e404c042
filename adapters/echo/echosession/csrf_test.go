package echosession_test

import (
	"net/http"
	"testing"

	"github.com/session2/session2/adapters/echo/echosession"
	"github.com/session2/session2/conformance"
	"github.com/session2/session2/core/session"
)

func TestCSRF(t *testing.T) {
	conformance.TestCSRF(t, func(t *testing.T, m *session.Manager[session.Map], cop *session.CrossOriginProtection, csrf *session.CSRF, routes conformance.Routes) http.Handler {
		e := newEcho()
		e.Use(quietRecover(), echosession.CrossOrigin(cop), echosession.Middleware(m), echosession.CSRF(csrf))
		serve(e, routes)
		return e
	})
}
