package echosession_test

import (
	"fmt"
	"log"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/session2/session2/adapters/echo/echosession"
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

	e := echo.New()
	// Recover before the session middleware: a panic passes through the
	// session middleware, which then saves nothing.
	e.Use(middleware.Recover(), echosession.Middleware(mgr))
	e.GET("/", func(c echo.Context) error {
		s := echosession.Get[Data](c)
		s.Data().Visits++
		return c.String(http.StatusOK, fmt.Sprintf("visits: %d", s.Data().Visits))
	})
	log.Fatal(e.Start(":8080"))
}

func ExampleMiddlewareWithConfig() {
	mgr, err := session.New[Data](memstore.New())
	if err != nil {
		log.Fatal(err)
	}
	e := echo.New()
	e.Use(echosession.MiddlewareWithConfig(mgr, echosession.Config{
		// No session for health checks and static files.
		Skipper: func(c echo.Context) bool {
			return c.Path() == "/healthz" || strings.HasPrefix(c.Request().URL.Path, "/assets/")
		},
		// Store failures go to echo's HTTPErrorHandler, with a message
		// of the app's.
		ErrorHandler: func(c echo.Context, err error) error {
			return echo.NewHTTPError(http.StatusServiceUnavailable, "sessions are down").SetInternal(err)
		},
	}))
	e.GET("/healthz", func(c echo.Context) error {
		_, ok := echosession.Lookup[Data](c) // ok is false: skipped
		return c.JSON(http.StatusOK, map[string]bool{"session": ok})
	})
	e.Static("/assets", "assets")
}

func ExampleRequireUser() {
	mgr, err := session.New[Data](memstore.New())
	if err != nil {
		log.Fatal(err)
	}
	e := echo.New()
	e.Use(echosession.Middleware(mgr))

	// Pages redirect anonymous visitors to the login form...
	e.GET("/account", func(c echo.Context) error {
		return c.String(http.StatusOK, "hello "+echosession.Get[Data](c).User())
	}, echosession.RequireUser[Data]("/login"))
	// ...while an API answers 401 through echo's HTTPErrorHandler.
	api := e.Group("/api", echosession.RequireUser[Data](""))
	api.GET("/me", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"user": echosession.Get[Data](c).User()})
	})

	e.POST("/login", func(c echo.Context) error {
		// Check the password first; SetUser renews the token.
		if err := echosession.Get[Data](c).SetUser(c.FormValue("user")); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, "/account")
	})
}

func ExampleCheckFormToken() {
	mgr, err := session.New[Data](memstore.New())
	if err != nil {
		log.Fatal(err)
	}
	e := echo.New()
	e.Use(echosession.Middleware(mgr))

	// The form carries a single-use token...
	e.GET("/settings", func(c echo.Context) error {
		tok, err := echosession.Get[Data](c).NewFormToken()
		if err != nil {
			return err
		}
		return c.HTML(http.StatusOK, `<form method="post"><input type="hidden" name="form_token" value="`+tok+`">`+
			`<input name="theme"><button>Save</button></form>`)
	})
	// ...which CheckFormToken requires and consumes on POST (403 otherwise).
	e.POST("/settings", func(c echo.Context) error {
		echosession.Get[Data](c).Data().Theme = c.FormValue("theme")
		return c.Redirect(http.StatusSeeOther, "/settings")
	}, echosession.CheckFormToken[Data]())
}

func ExampleGet() {
	mgr, err := session.New[session.Map](memstore.New())
	if err != nil {
		log.Fatal(err)
	}
	e := echo.New()
	e.Use(echosession.Middleware(mgr))
	e.POST("/flash", func(c echo.Context) error {
		s := echosession.Get[session.Map](c)
		s.AddFlash(c.FormValue("message"))
		return c.Redirect(http.StatusSeeOther, "/")
	})
	e.GET("/", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string][]string{"flashes": echosession.Get[session.Map](c).Flashes()})
	})
}
