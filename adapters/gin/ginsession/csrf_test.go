package ginsession_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/session2/session2/adapters/gin/ginsession"
	"github.com/session2/session2/conformance"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

func TestCSRF(t *testing.T) {
	conformance.TestCSRF(t, func(t *testing.T, m *session.Manager[session.Map], cop *session.CrossOriginProtection, csrf *session.CSRF, routes conformance.Routes) http.Handler {
		r := gin.New()
		r.Use(quietRecovery(), ginsession.CrossOrigin(cop), ginsession.Middleware(m), ginsession.CSRF(csrf))
		serve(r, routes)
		return r
	})
}

// TestCSRFRefusalInErrors: a CSRF refusal is added to c.Errors, where
// gin's logger sees it.
func TestCSRFRefusalInErrors(t *testing.T) {
	m := sessiontest.NewManager[session.Map](t)
	var errs []*gin.Error
	r := gin.New()
	r.Use(func(c *gin.Context) { c.Next(); errs = c.Errors },
		ginsession.Middleware(m), ginsession.CSRF(session.NewCSRF(nil)))
	r.POST("/", func(c *gin.Context) { t.Error("the handler ran") })
	req := sessiontest.WithSession(t, m, httptest.NewRequest("POST", "/", nil), "ann", nil)
	req.Header.Set(session.DefaultCSRFHeader, "forged")
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	if w.Code != http.StatusForbidden || len(errs) != 1 || !errors.Is(errs[0], session.ErrCSRF) {
		t.Errorf("forged token: %d, c.Errors %v; want 403 and ErrCSRF in c.Errors", w.Code, errs)
	}
}
