package main

import (
	"errors"
	"net/http"
	"strings"

	"github.com/session2/session2/core/session"
)

// The devices pages: a logged-in visitor's own sessions, one per device,
// each of which they may sign out (session.Manager's UserSessions and
// RevokeSession; the manager records the devices with WithDeviceInfo).

// deviceIDField is the form field of /devices/revoke naming the session
// to sign out: its public ID, never its token or store key.
const deviceIDField = "id"

// deviceRow is one session of /devices.
type deviceRow struct {
	ID         string
	UserAgent  string
	RemoteAddr string
	LastSeen   string
	SignedIn   string
	Current    bool
}

// devices lists the sessions of the logged-in visitor; anonymous
// visitors are sent to the login page.
func (a *app) devices(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
	user := s.User()
	if user == "" {
		a.seeOther(w, "/login")
		return
	}
	list, err := a.mgr.UserSessions(r.Context(), user)
	if err != nil {
		a.unavailable(w, "could not list your sessions", err)
		return
	}
	rows := make([]deviceRow, len(list))
	for i, us := range list {
		rows[i] = deviceRow{
			ID:         us.ID,
			UserAgent:  us.UserAgent,
			RemoteAddr: us.RemoteAddr,
			LastSeen:   us.LastSeen.UTC().Format(timeLayout),
			SignedIn:   us.SignedIn.UTC().Format(timeLayout),
			Current:    us.Current,
		}
	}
	a.render(w, http.StatusOK, devicesTmpl, "Your devices", struct {
		User    string
		Rows    []deviceRow
		Flashes []session.Flash
		Cap     int
		CSRF    string
	}{user, rows, s.TakeFlashes(), a.maxSessions, s.CSRFToken()})
}

// revokeDevice signs out one session of the logged-in visitor, named by
// its public ID. An ID that is not one of theirs signs out nothing.
func (a *app) revokeDevice(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
	user := s.User()
	if user == "" {
		a.fail(w, http.StatusForbidden, "Not logged in: log in first to sign out your devices.")
		return
	}
	id := strings.TrimSpace(r.PostFormValue(deviceIDField))
	if id == "" {
		a.fail(w, http.StatusBadRequest, "Missing id: the session to sign out.")
		return
	}
	// With the request's context, RevokeSession also destroys this
	// request's session when it is the one signed out (its user is then
	// ""); the flash added afterwards goes to the fresh session that
	// follows, which the goodbye page shows.
	err := a.mgr.RevokeSession(r.Context(), user, id)
	switch {
	case errors.Is(err, session.ErrNotFound):
		s.AddFlashKind(session.FlashError, "No session of yours has that ID (already signed out?): nothing was signed out.")
		a.seeOther(w, "/devices")
	case err != nil:
		a.unavailable(w, "could not sign the session out", err)
	case s.User() == "":
		s.AddFlashKind(session.FlashSuccess, "This device was signed out.")
		a.seeOther(w, "/goodbye")
	default:
		s.AddFlashKind(session.FlashSuccess, "The session was signed out.")
		a.seeOther(w, "/devices")
	}
}

// devicesTmpl is the devices page: one <li class="device"> per session,
// the visitor's own marked "this device".
var devicesTmpl = pageTemplate(`<h1>Your devices</h1>
{{range .Flashes}}<p class="flash{{if eq .Kind "error"}} bad{{end}}">{{.Text}}</p>
{{end}}<p>The sessions of {{.User}} that are signed in now, most recently seen first. Signing one out ends it at once, on that device.</p>
{{if .Cap}}<p class="hint" id="cap">At most {{.Cap}} at a time: a new login signs out the oldest.</p>
{{end}}<ul class="devices">
{{range .Rows}}<li class="device{{if .Current}} current{{end}}" data-device="{{.ID}}">
<div class="agent">{{if .UserAgent}}{{.UserAgent}}{{else}}<span class="hint">unknown browser</span>{{end}}{{if .Current}} <span class="this">this device</span>{{end}}</div>
<div class="facts"><span>Last seen: {{.LastSeen}}</span> <span>Signed in: {{.SignedIn}}</span> <span>Address: {{with .RemoteAddr}}{{.}}{{else}}unknown{{end}}</span></div>
<form method="post" action="/devices/revoke">
{{with $.CSRF}}<input type="hidden" name="csrf_token" value="{{.}}">{{end}}
<input type="hidden" name="id" value="{{.ID}}">
<button type="submit" class="quiet">{{if .Current}}Sign out this device{{else}}Sign out{{end}}</button>
</form>
</li>
{{end}}</ul>
<p><a href="/">Home</a></p>`)
