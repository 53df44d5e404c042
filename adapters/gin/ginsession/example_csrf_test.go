package ginsession_test

import (
	"html/template"
	"log"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/session2/session2/adapters/gin/ginsession"
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
	r := gin.New()
	r.Use(gin.Recovery(),
		ginsession.CrossOrigin(session.NewCrossOriginProtection()),
		ginsession.Middleware(mgr),
		ginsession.CSRF(session.NewCSRF(nil)))
	r.GET("/note", func(c *gin.Context) {
		// "" for an anonymous visitor, whose forms the cross-origin check guards.
		_ = noteForm.Execute(c.Writer, ginsession.Get[Data](c).CSRFToken())
	})
	r.POST("/note", func(c *gin.Context) {
		ginsession.Get[Data](c).Data().Theme = c.PostForm("note") // the token was checked
		c.Redirect(http.StatusSeeOther, "/note")
	})
	log.Fatal(r.Run(":8080"))
}
