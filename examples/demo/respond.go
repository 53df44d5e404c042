package main

import (
	"bytes"
	"cmp"
	"html/template"
	"net/http"
	"strconv"
)

// How every page answers: the headers each carries, a template in the
// layout, plain text, an error page.

// setHeaders sets what every page carries: no caching of personal pages,
// no sniffing, no framing, no scripts.
func setHeaders(h http.Header, contentType string) {
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
}

// render executes a page template inside the layout and writes it.
func (a *app) render(w http.ResponseWriter, status int, t *template.Template, title string, data any) {
	var buf bytes.Buffer
	ld := layoutData{Title: title, Data: data, Admin: a.admin}
	if u, ok := a.store.(interface{ Unreachable() string }); ok {
		ld.StoreDown = u.Unreachable()
	}
	if err := t.ExecuteTemplate(&buf, "layout", ld); err != nil {
		a.log.Error("rendering a page", "title", title, "err", err)
		setHeaders(w.Header(), "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte("Internal error while rendering the page.\n"))
		return
	}
	setHeaders(w.Header(), "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// text writes a text/plain answer.
func (a *app) text(w http.ResponseWriter, status int, body string) {
	setHeaders(w.Header(), "text/plain; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// fail answers with an error page.
func (a *app) fail(w http.ResponseWriter, status int, msg string) {
	title := cmp.Or(http.StatusText(status), "Error")
	a.render(w, status, errorTmpl, title, struct{ Status, Message string }{title, msg})
}

// internal logs err and answers 500.
func (a *app) internal(w http.ResponseWriter, what string, err error) {
	a.log.Error("demo: "+what, "err", err)
	a.fail(w, http.StatusInternalServerError, "Internal error: "+what+".")
}

// unavailable logs a store error and answers 503.
func (a *app) unavailable(w http.ResponseWriter, what string, err error) {
	a.log.Error("demo: "+what, "err", err)
	a.fail(w, http.StatusServiceUnavailable, "The session store failed: "+what+". Try again in a moment.")
}
