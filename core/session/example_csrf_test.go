package session_test

import (
	"fmt"
	"html/template"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// The two layers of CSRF protection around the session middleware, and a
// form that carries the per-session token.
func ExampleCSRF() {
	mgr, err := session.New[session.Map](sessiontest.NewStore())
	if err != nil {
		log.Fatal(err)
	}
	form := template.Must(template.New("form").Parse(
		`<form method="post" action="/note">{{with .}}<input type="hidden" name="csrf_token" value="{{.}}">{{end}}</form>`))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /form", func(w http.ResponseWriter, r *http.Request) {
		_ = form.Execute(w, mgr.Get(r).CSRFToken()) // "" for an anonymous visitor: no field
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		_ = mgr.Get(r).SetUser("ann")
		fmt.Fprint(w, "logged in")
	})
	mux.HandleFunc("POST /note", func(w http.ResponseWriter, r *http.Request) {
		mgr.Get(r).Data().Set("note", r.PostFormValue("note"))
		fmt.Fprint(w, "saved")
	})
	cop := session.NewCrossOriginProtection()
	csrf := session.NewCSRF(nil)
	h := cop.Handler(mgr.Handler(csrf.Handler(mux))) // http.ListenAndServe(":8080", h)

	cookie := ""
	do := func(method, path string, form url.Values, header map[string]string) string {
		r := httptest.NewRequest(method, "http://example.com"+path, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Sec-Fetch-Site", "same-origin") // a browser's page on the site
		for k, v := range header {
			r.Header.Set(k, v)
		}
		if cookie != "" {
			r.Header.Set("Cookie", cookie)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		for _, c := range w.Result().Cookies() {
			cookie = c.Name + "=" + c.Value
		}
		return strings.TrimSpace(w.Body.String())
	}
	fmt.Println(do("GET", "/form", nil, nil))
	fmt.Println(do("POST", "/login", nil, nil)) // anonymous: guarded by cop alone
	page := do("GET", "/form", nil, nil)
	tok := page[strings.Index(page, `value="`)+7 : strings.LastIndex(page, `"`)]
	fmt.Println(do("POST", "/note", url.Values{"note": {"hi"}}, nil))
	fmt.Println(do("POST", "/note", url.Values{"note": {"hi"}, "csrf_token": {tok}}, nil))
	fmt.Println(do("POST", "/note", url.Values{"note": {"hi"}}, map[string]string{"X-CSRF-Token": tok})) // htmx
	fmt.Println(do("POST", "/note", nil, map[string]string{"Sec-Fetch-Site": "cross-site"}))
	// Output:
	// <form method="post" action="/note"></form>
	// logged in
	// 403 Forbidden: missing or invalid CSRF token
	// saved
	// saved
	// 403 Forbidden: cross-origin request refused
}
