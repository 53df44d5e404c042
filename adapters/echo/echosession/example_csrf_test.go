package echosession_test

import (
	"html/template"
	"log"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/session2/session2/adapters/echo/echosession"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/memstore"
)

var noteForm = template.Must(template.New("note").Parse(`<form method="post" action="/note">
{{with .}}<input type="hidden" name="csrf_token" value="{{.}}">{{end}}
<input name="note"><button>Save</button>
</form>`))

// Both layers of CSRF protection: the cross-origin check before the
// session middleware, the per-session token after it.
func ExampleCSRF() {
	mgr, err := session.New[Data](memstore.New())
	if err != nil {
		log.Fatal(err)
	}
	e := echo.New()
	e.Use(echosession.CrossOrigin(session.NewCrossOriginProtection()),
		echosession.Middleware(mgr),
		echosession.CSRF(session.NewCSRF(nil)))
	e.GET("/note", func(c echo.Context) error {
		// "" for an anonymous visitor, whose forms the cross-origin check guards.
		return noteForm.Execute(c.Response(), echosession.Get[Data](c).CSRFToken())
	})
	e.POST("/note", func(c echo.Context) error {
		echosession.Get[Data](c).Data().Theme = c.FormValue("note") // the token was checked
		return c.Redirect(http.StatusSeeOther, "/note")
	})
	log.Fatal(e.Start(":8080"))
}
