package main

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/session2/session2/core/session"
)

// The pages that read and write the session's data: the counter, the
// session's state for scripts (/check), form tokens, keys of /set and
// /get, and flash messages; with the checks of what a visitor may store.

func (a *app) counter(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
	var n int
	full := false
	s.Update(func(m *session.Map) {
		n = counterOf(m)
		if n == math.MaxInt {
			full = true
			return
		}
		n++
		m.Set(counterKey, n)
	})
	if full {
		a.fail(w, http.StatusBadRequest, "The counter is at its maximum.")
		return
	}
	a.render(w, http.StatusOK, counterTmpl, "Counter", n)
}

func (a *app) check(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
	id := ""
	if !s.IsNew() || s.HasInfo() {
		id = s.ID()
	}
	n := s.FormTokenCount()
	a.text(w, http.StatusOK, fmt.Sprintf(
		"session_id: %s\nuser: %s\ncounter: %d\nhas_info: %t\nform_tokens_count: %d\nhas_form_tokens: %t\naccess_time: %s\n",
		id, s.User(), counterOf(s.Data()), s.HasInfo(), n, n > 0, s.AccessedAt().UTC().Format(time.RFC3339)))
}

func (a *app) createToken(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
	tok, ok := a.formToken(w, s)
	if !ok {
		return
	}
	a.render(w, http.StatusOK, tokenTmpl, "Form token", tok)
}

func (a *app) checkToken(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
	n := s.FormTokenCount()
	a.text(w, http.StatusOK, fmt.Sprintf("has_form_tokens: %t\nform_tokens_count: %d\n", n > 0, n))
}

func (a *app) set(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
	key, value := r.FormValue("key"), r.FormValue("value")
	if msg := checkText("key", key, maxKeyLen); msg != "" {
		a.fail(w, http.StatusBadRequest, msg)
		return
	}
	if len(value) > maxValueLen || !utf8.ValidString(value) {
		a.fail(w, http.StatusBadRequest, fmt.Sprintf("The value must be UTF-8 text of at most %d bytes.", maxValueLen))
		return
	}
	tooMany := false
	s.Update(func(m *session.Map) {
		if _, exists := m.Get(key); !exists && m.Len() >= maxKeys {
			tooMany = true
			return
		}
		m.Set(key, value)
	})
	if tooMany {
		a.fail(w, http.StatusBadRequest, fmt.Sprintf("The session already holds %d keys, the most this demo keeps.", maxKeys))
		return
	}
	a.seeOther(w, "/stored?key="+url.QueryEscape(key))
}

// stored shows a key that /set stored.
func (a *app) stored(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
	key := r.URL.Query().Get("key")
	v, ok := s.Data().Get(key)
	if key == "" || !ok {
		a.fail(w, http.StatusNotFound, "The session holds no such key.")
		return
	}
	value, isString := v.(string)
	if !isString {
		value = fmt.Sprint(v)
	}
	a.render(w, http.StatusOK, setTmpl, "Stored", struct{ Key, Value string }{key, value})
}

func (a *app) get(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
	key := r.URL.Query().Get("key")
	if key == "" {
		a.fail(w, http.StatusBadRequest, "Missing key: use /get?key=K.")
		return
	}
	v, ok := s.Data().Get(key)
	if !ok {
		a.text(w, http.StatusNotFound, "")
		return
	}
	if str, isString := v.(string); isString {
		a.text(w, http.StatusOK, str)
		return
	}
	a.text(w, http.StatusOK, fmt.Sprint(v))
}

func (a *app) showFlash(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
	msgs := s.Flashes()
	a.render(w, http.StatusOK, flashTmpl, "Flash", struct {
		Messages []string
		CSRF     string
		MaxLen   int
	}{msgs, s.CSRFToken(), maxFlashLen})
}

func (a *app) setFlash(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
	msg := strings.TrimSpace(r.FormValue("message"))
	if msg := checkText("message", msg, maxFlashLen); msg != "" {
		a.fail(w, http.StatusBadRequest, msg)
		return
	}
	queued := s.Flashes() // there is no way to count them without taking them
	for _, m := range queued {
		s.AddFlash(m)
	}
	if len(queued) >= maxFlashes {
		a.fail(w, http.StatusBadRequest, fmt.Sprintf("%d flash messages are already waiting: show them first.", len(queued)))
		return
	}
	s.AddFlash(msg)
	a.seeOther(w, "/flash_set?message="+url.QueryEscape(msg))
}

// flashSet confirms a flash message set by POST /flash.
func (a *app) flashSet(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
	msg := r.URL.Query().Get("message")
	if m := checkText("message", msg, maxFlashLen); m != "" {
		a.fail(w, http.StatusBadRequest, m)
		return
	}
	a.render(w, http.StatusOK, flashSetTmpl, "Flash set", msg)
}

// counterOf reads the counter: an int, or a string holding one (after a
// /set of the key "counter"); anything else counts as 0.
func counterOf(m *session.Map) int {
	if n, ok := m.GetInt(counterKey); ok {
		return n
	}
	if str, ok := m.GetString(counterKey); ok {
		if n, err := strconv.Atoi(strings.TrimSpace(str)); err == nil {
			return n
		}
	}
	return 0
}

// checkText validates a short text field, returning a message for the
// visitor when it is unusable.
func checkText(field, v string, max int) string {
	if v == "" {
		return "Missing " + field + "."
	}
	if len(v) > max {
		return fmt.Sprintf("The %s is too long: at most %d bytes.", field, max)
	}
	if !utf8.ValidString(v) {
		return "The " + field + " is not valid UTF-8."
	}
	if strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return "The " + field + " must not contain control characters."
	}
	return ""
}

// formToken creates a form token, answering 500 when it cannot.
func (a *app) formToken(w http.ResponseWriter, s *session.Session[session.Map]) (string, bool) {
	tok, err := s.NewFormToken()
	if err != nil {
		a.internal(w, "could not create a form token", err)
		return "", false
	}
	return tok, true
}
