package chisession_test

import (
	"html/template"
	"log"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/session2/session2/adapters/chi/chisession"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/memstore"
)

var noteForm = template.Must(template.New("note").Parse(`<form method="post" action="/note">
{{with .}}<input type="hidden" name="csrf_token" value="{{.}}">{{end}}
<input name="note"><button>Save</button>
</form>`))

// Both layers of CSRF protection are net/http middleware, which chi takes
// as they are: the cross-origin check before the session middleware, the
// per-session token after it.
func Example_csrf() {
	mgr, err := session.New[Cart](memstore.New())
	if err != nil {
		log.Fatal(err)
	}
	r := chi.NewRouter()
	r.Use(session.NewCrossOriginProtection().Handler, chisession.Middleware(mgr), session.NewCSRF(nil).Handler)
	r.Get("/note", func(w http.ResponseWriter, r *http.Request) {
		// "" for an anonymous visitor, whose forms the cross-origin check guards.
		_ = noteForm.Execute(w, chisession.Get[Cart](r).CSRFToken())
	})
	r.Post("/note", func(w http.ResponseWriter, r *http.Request) {
		cart := chisession.Get[Cart](r).Data() // the token was checked
		cart.Items = append(cart.Items, r.PostFormValue("note"))
		http.Redirect(w, r, "/note", http.StatusSeeOther)
	})
	log.Fatal(http.ListenAndServe(":8080", r))
}
