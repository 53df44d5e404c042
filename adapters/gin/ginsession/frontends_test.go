package ginsession_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/session2/session2/adapters/gin/ginsession"
	"github.com/session2/session2/conformance"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

type account struct{ Balance int }

// frontApp is an application with a login that can remember the user and
// send them back, a page behind RequireUser, and "log out everywhere".
func frontApp(m *session.Manager[conformance.Account]) http.Handler {
	r := gin.New()
	r.Use(ginsession.Middleware(m))
	r.POST("/login", func(c *gin.Context) {
		s := ginsession.Get[conformance.Account](c)
		if err := s.SetUser(c.Query("user")); err != nil {
			c.String(http.StatusInternalServerError, err.Error())
			return
		}
		s.SetPersistent(c.Query("remember") == "on")
		c.Redirect(http.StatusSeeOther, session.ReturnTo(c.Request, "next", "/"))
	})
	r.GET("/account", ginsession.RequireUser[conformance.Account]("/login", ginsession.ReturnTo("next")), func(c *gin.Context) {
		c.String(http.StatusOK, "balance %d", ginsession.Get[conformance.Account](c).Data().Balance)
	})
	r.POST("/deposit", func(c *gin.Context) {
		ginsession.Get[conformance.Account](c).Data().Balance += 10
	})
	r.POST("/logout-everywhere", func(c *gin.Context) {
		s := ginsession.Get[conformance.Account](c)
		n, err := m.LogoutUser(c.Request.Context(), s.User())
		if err != nil {
			c.String(http.StatusInternalServerError, err.Error())
			return
		}
		s.AddFlashKind(session.FlashSuccess, fmt.Sprintf("logged out of %d sessions", n))
		c.Redirect(http.StatusSeeOther, "/")
	})
	return r
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
	r := gin.New()
	r.Use(ginsession.Middleware(m))
	r.GET("/", func(c *gin.Context) {
		defer func() { msg = fmt.Sprint(recover()) }()
		ginsession.Get[session.Map](c)
	})
	r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if !strings.Contains(msg, "session.Map") || !strings.Contains(msg, "ginsession_test.account") {
		t.Errorf("panic %q does not name both types", msg)
	}
}
