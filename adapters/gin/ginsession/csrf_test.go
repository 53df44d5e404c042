package ginsession_test

import (
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/session2/session2/adapters/gin/ginsession"
	"github.com/session2/session2/conformance"
	"github.com/session2/session2/core/session"
)

func TestCSRF(t *testing.T) {
	conformance.TestCSRF(t, func(t *testing.T, m *session.Manager[session.Map], cop *session.CrossOriginProtection, csrf *session.CSRF, routes conformance.Routes) http.Handler {
		r := gin.New()
		r.Use(quietRecovery(), ginsession.CrossOrigin(cop), ginsession.Middleware(m), ginsession.CSRF(csrf))
		serve(r, routes)
		return r
	})
}
