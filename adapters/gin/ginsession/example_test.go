package ginsession_test

import (
	"log"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/session2/session2/adapters/gin/ginsession"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/memstore"
)

// Data is an application's session type: its exported fields are saved.
type Data struct {
	Visits int    `json:"visits"`
	Theme  string `json:"theme,omitempty"`
}

func Example() {
	store := memstore.New()
	defer store.Close()
	mgr, err := session.New[Data](store, session.WithExpiry(session.Expiry{Idle: 30 * time.Minute}))
	if err != nil {
		log.Fatal(err)
	}

	r := gin.New()
	// Recovery before the session middleware: a panic passes through the
	// session middleware, which then saves nothing.
	r.Use(gin.Recovery(), ginsession.Middleware(mgr))
	r.GET("/", func(c *gin.Context) {
		s := ginsession.Get[Data](c)
		s.Data().Visits++
		c.String(http.StatusOK, "visits: %d", s.Data().Visits)
	})
	log.Fatal(r.Run(":8080"))
}

func ExampleMiddleware_skip() {
	mgr, err := session.New[Data](memstore.New())
	if err != nil {
		log.Fatal(err)
	}
	r := gin.New()
	r.Use(ginsession.Middleware(mgr,
		// Exact URL paths or gin route patterns.
		ginsession.WithSkipPaths("/healthz", "/assets/*filepath"),
		// Or any rule of your own.
		ginsession.WithSkipper(func(c *gin.Context) bool {
			return strings.HasPrefix(c.Request.URL.Path, "/metrics")
		}),
	))
	r.GET("/healthz", func(c *gin.Context) {
		_, ok := ginsession.Lookup[Data](c) // ok is false: skipped
		c.String(http.StatusOK, "ok %v", ok)
	})
	r.Static("/assets", "./assets")
}

func ExampleRequireUser() {
	mgr, err := session.New[Data](memstore.New())
	if err != nil {
		log.Fatal(err)
	}
	r := gin.New()
	r.Use(ginsession.Middleware(mgr))

	// Pages redirect anonymous visitors to the login form...
	r.GET("/account", ginsession.RequireUser[Data]("/login"), func(c *gin.Context) {
		c.String(http.StatusOK, "hello %s", ginsession.Get[Data](c).User())
	})
	// ...while an API answers 401.
	api := r.Group("/api", ginsession.RequireUser[Data](""))
	api.GET("/me", func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"user": ginsession.Get[Data](c).User()})
	})

	r.POST("/login", func(c *gin.Context) {
		// Check the password first; SetUser renews the token.
		if err := ginsession.Get[Data](c).SetUser(c.PostForm("user")); err != nil {
			c.AbortWithError(http.StatusInternalServerError, err)
			return
		}
		c.Redirect(http.StatusSeeOther, "/account")
	})
}

func ExampleCheckFormToken() {
	mgr, err := session.New[Data](memstore.New())
	if err != nil {
		log.Fatal(err)
	}
	r := gin.New()
	r.Use(ginsession.Middleware(mgr))

	// The form carries a single-use token...
	r.GET("/settings", func(c *gin.Context) {
		tok, err := ginsession.Get[Data](c).NewFormToken()
		if err != nil {
			c.AbortWithError(http.StatusInternalServerError, err)
			return
		}
		c.Header("Content-Type", "text/html; charset=utf-8")
		c.String(http.StatusOK, `<form method="post"><input type="hidden" name="form_token" value="%s">`+
			`<input name="theme"><button>Save</button></form>`, tok)
	})
	// ...which CheckFormToken requires and consumes on POST (403 otherwise).
	r.POST("/settings", ginsession.CheckFormToken[Data](), func(c *gin.Context) {
		ginsession.Get[Data](c).Data().Theme = c.PostForm("theme")
		c.Redirect(http.StatusSeeOther, "/settings")
	})
}

func ExampleGet() {
	mgr, err := session.New[session.Map](memstore.New())
	if err != nil {
		log.Fatal(err)
	}
	r := gin.New()
	r.Use(ginsession.Middleware(mgr))
	r.POST("/flash", func(c *gin.Context) {
		s := ginsession.Get[session.Map](c)
		s.Data().Set("last_flash", time.Now())
		s.AddFlash(c.PostForm("message"))
		c.Redirect(http.StatusSeeOther, "/")
	})
	r.GET("/", func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"flashes": ginsession.Get[session.Map](c).Flashes()})
	})
}
