package ginsession_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/session2/session2/adapters/gin/ginsession"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

type account struct{ Balance int }

// frontApp is an application with a login that can remember the user and
// send them back, a page behind RequireUser, and "log out everywhere".
func frontApp(m *session.Manager[account]) http.Handler {
	r := gin.New()
	r.Use(ginsession.Middleware(m))
	r.POST("/login", func(c *gin.Context) {
		s := ginsession.Get[account](c)
		if err := s.SetUser(c.Query("user")); err != nil {
			c.String(http.StatusInternalServerError, err.Error())
			return
		}
		s.SetPersistent(c.Query("remember") == "on")
		c.Redirect(http.StatusSeeOther, session.ReturnTo(c.Request, "next", "/"))
	})
	r.GET("/account", ginsession.RequireUser[account]("/login", ginsession.ReturnTo("next")), func(c *gin.Context) {
		c.String(http.StatusOK, "balance %d", ginsession.Get[account](c).Data().Balance)
	})
	r.POST("/deposit", func(c *gin.Context) {
		ginsession.Get[account](c).Data().Balance += 10
	})
	r.POST("/logout-everywhere", func(c *gin.Context) {
		s := ginsession.Get[account](c)
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
