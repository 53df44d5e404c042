package migrating_test

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/go-chi/chi/v5"
	"github.com/labstack/echo/v4"

	"github.com/session2/session2/adapters/chi/chisession"
	"github.com/session2/session2/adapters/echo/echosession"
	"github.com/session2/session2/adapters/gin/ginsession"
	"github.com/session2/session2/core/session"
)

// gin-contrib/sessions: r.Use(sessions.Sessions("mysession", store)) and
// sessions.Default(c), then session.Get, session.Set and session.Save().
// session2: ginsession.Middleware(mgr) and ginsession.Get; no Save.
func Example_gin() {
	gin.SetMode(gin.ReleaseMode)
	mgr := newManager(session.WithCookie(session.Cookie{Name: "mysession"}))
	r := gin.New()
	r.Use(ginsession.Middleware(mgr))
	r.GET("/", func(c *gin.Context) {
		m := ginsession.Get[session.Map](c).Data()
		n, _ := m.GetInt("count")
		m.Set("count", n+1)
		c.String(http.StatusOK, "count %d", n+1)
	})
	b := &browser{h: r}
	b.do("GET", "/")
	b.do("GET", "/")
	fmt.Println(b.cookie.Name)
	// Output:
	// GET /: 200 count 1 [cookie set]
	// GET /: 200 count 2
	// mysession
}

// echo-contrib/session: e.Use(session.Middleware(store)) and
// session.Get("session", c), then sess.Values and sess.Save(c.Request(),
// c.Response()). session2: echosession.Middleware(mgr) and
// echosession.Get; no Save.
func Example_echo() {
	mgr := newManager()
	e := echo.New()
	e.Use(echosession.Middleware(mgr))
	e.GET("/", func(c echo.Context) error {
		m := echosession.Get[session.Map](c).Data()
		n, _ := m.GetInt("count")
		m.Set("count", n+1)
		return c.String(http.StatusOK, fmt.Sprintf("count %d", n+1))
	})
	b := &browser{h: e}
	b.do("GET", "/")
	b.do("GET", "/")
	// Output:
	// GET /: 200 count 1 [cookie set]
	// GET /: 200 count 2
}

// scs: sm.LoadAndSave(mux), or r.Use(sm.LoadAndSave) on chi. session2:
// mgr.Handler(mux) on net/http, chisession.Middleware(mgr) on chi.
func Example_chi() {
	mgr := newManager()
	r := chi.NewRouter()
	r.Use(chisession.Middleware(mgr))
	r.Get("/", func(w http.ResponseWriter, r *http.Request) {
		m := chisession.Get[session.Map](r).Data()
		n, _ := m.GetInt("count")
		m.Set("count", n+1)
		fmt.Fprintf(w, "count %d", n+1)
	})
	b := &browser{h: r}
	b.do("GET", "/")
	b.do("GET", "/")
	// Output:
	// GET /: 200 count 1 [cookie set]
	// GET /: 200 count 2
}
