package main

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/session2/session2/core/session"
)

// The admin pages, /sessions and /delete_old, show and delete every
// visitor's sessions. The demo's login takes any name, so they are for a
// demo on one's own machine: they exist only under -admin-local (else
// every router answers 404), serve only a visitor who logged in, and the
// one that changes state answers POST alone (its GET shows the form).

// Limits of the admin pages.
const (
	maxMinutes     = 52_596_000 // 100 years, for /delete_old
	maxSessionRows = 100        // rows shown by /sessions
	keyPrefixLen   = 8          // characters of a store key shown by /sessions
)

// adminRoutes are the admin pages, none without -admin-local.
func (a *app) adminRoutes() []route {
	if !a.admin {
		return nil
	}
	return []route{
		{http.MethodGet, "/sessions", a.loggedIn(a.sessions)},
		{http.MethodGet, "/delete_old", a.loggedIn(a.deleteOldForm)},
		{http.MethodPost, "/delete_old", a.loggedIn(a.post(a.deleteOld))},
	}
}

// loggedIn guards an admin page: an anonymous visitor's GET is sent to
// the login page (303), any other request refused (403).
func (a *app) loggedIn(next page) page {
	return func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
		if s.User() != "" {
			next(w, r, s)
			return
		}
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			a.seeOther(w, "/login")
			return
		}
		a.fail(w, http.StatusForbidden, "Log in first: the admin pages serve logged-in visitors only.")
	}
}

// deleteOldForm is GET /delete_old: the form, and with ?deleted=N the
// result of the POST that redirected here.
func (a *app) deleteOldForm(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
	deleted := -1
	if n, err := strconv.Atoi(r.URL.Query().Get("deleted")); err == nil && n >= 0 {
		deleted = n
	}
	a.render(w, http.StatusOK, deleteOldTmpl, "Delete old sessions", struct {
		Deleted    int
		CSRF       string
		MaxMinutes int
	}{deleted, s.CSRFToken(), maxMinutes})
}

// deleteOld is POST /delete_old: it prunes the sessions last used more
// than the form's minutes ago, every visitor's.
func (a *app) deleteOld(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
	raw := strings.TrimSpace(r.PostFormValue("minutes"))
	if raw == "" {
		a.fail(w, http.StatusBadRequest, "Missing minutes: post the form field minutes=N with N a whole number of minutes.")
		return
	}
	minutes, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || minutes < 0 || minutes > maxMinutes {
		a.fail(w, http.StatusBadRequest, fmt.Sprintf("Minutes must be a whole number from 0 to %d.", maxMinutes))
		return
	}
	cutoff := a.now().Add(-time.Duration(minutes) * time.Minute)
	n, err := a.store.Prune(r.Context(), session.Filter{AccessedBefore: cutoff})
	if err != nil {
		a.unavailable(w, "could not delete old sessions", err)
		return
	}
	a.seeOther(w, "/delete_old?deleted="+strconv.Itoa(n))
}

// sessionRow is one row of /sessions: never the token, only a prefix of
// the store key, which is a hash of it.
type sessionRow struct {
	Key      string
	User     string
	Created  string
	Accessed string
	Expires  string
	Expired  bool
	Current  bool
	accessed time.Time
}

// sessions is GET /sessions: the stored sessions, most recently used
// first, at most maxSessionRows of them.
func (a *app) sessions(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
	current := ""
	if !s.IsNew() {
		current = s.ID()
	}
	now := a.now()
	var rows []sessionRow
	total := 0
	for e, err := range a.store.List(r.Context(), session.Filter{}) {
		if err != nil {
			a.unavailable(w, "could not list the sessions", err)
			return
		}
		if session.IsRevocationRecord(e.Record) {
			continue // the manager's note of a logout, not a session
		}
		total++
		if len(rows) >= maxSessionRows {
			continue
		}
		rows = append(rows, sessionRow{
			Key:      keyPrefix(e.Key),
			User:     e.Record.User,
			Created:  e.Record.Created.UTC().Format(timeLayout),
			Accessed: e.Record.Accessed.UTC().Format(timeLayout),
			Expires:  e.Record.Expires.UTC().Format(timeLayout),
			Expired:  !e.Record.Expires.After(now),
			Current:  e.Key == current,
			accessed: e.Record.Accessed,
		})
	}
	slices.SortFunc(rows, func(x, y sessionRow) int { return y.accessed.Compare(x.accessed) })
	a.render(w, http.StatusOK, sessionsTmpl, "Sessions", struct {
		Rows   []sessionRow
		Total  int
		Hidden int
		User   string
		CSRF   string
		Counts []countRow
	}{rows, total, total - len(rows), s.User(), s.CSRFToken(), a.metrics.counts()})
}

// keyPrefix shortens a store key for display.
func keyPrefix(key string) string {
	return key[:min(len(key), keyPrefixLen)] + "…"
}

// The admin pages' templates.
var (
	deleteOldTmpl = pageTemplate(`<h1>Delete old sessions</h1>
{{if ge .Deleted 0}}<p class="big">Deleted: {{.Deleted}}</p>
{{end}}<form method="post" action="/delete_old">
{{with .CSRF}}<input type="hidden" name="csrf_token" value="{{.}}">{{end}}
<label for="minutes">Delete every visitor's sessions last used more than this many minutes ago</label>
<input type="number" name="minutes" id="minutes" min="0" max="{{.MaxMinutes}}" value="60" required>
<button type="submit" id="delete_old">Delete</button>
</form>
<p><a href="/sessions">Sessions</a> · <a href="/">Home</a></p>`)

	sessionsTmpl = pageTemplate(`<h1>Sessions</h1>
<p>{{.Total}} stored session{{if ne .Total 1}}s{{end}}. Keys are hashes of the cookie tokens, shortened; tokens are never stored.</p>
{{template "counts" .Counts}}{{if .Rows}}<div class="scroll"><table>
<thead><tr><th>Key</th><th>User</th><th>Created</th><th>Last access</th><th>Expires</th></tr></thead>
<tbody>
{{range .Rows}}<tr{{if .Current}} class="current"{{end}}><td><code>{{.Key}}</code>{{if .Current}} (you){{end}}</td><td>{{if .User}}{{.User}}{{else}}<span class="hint">anonymous</span>{{end}}</td><td>{{.Created}}</td><td>{{.Accessed}}</td><td>{{.Expires}}{{if .Expired}} <span class="error">expired</span>{{end}}</td></tr>
{{end}}</tbody>
</table></div>{{end}}
{{if .Hidden}}<p class="hint">and {{.Hidden}} more not shown.</p>{{end}}
{{if .User}}<form method="post" action="/logout_all">
{{with .CSRF}}<input type="hidden" name="csrf_token" value="{{.}}">{{end}}
<button type="submit" id="logout_all">Log out everywhere</button>
<span class="hint">deletes every session of {{.User}}</span>
</form>{{end}}
<p><a href="/delete_old">Delete old sessions</a> · <a href="/">Home</a></p>`)
)
