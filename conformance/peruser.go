package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
)

// The per-user guarantees of the manager over the store: "log out
// everywhere", the revocation of one session and the cap per user each win
// over renewals in flight, raced here on the store under test. A store
// passes when its Save, Delete, List and Prune keep the contract; the
// races find the stores where they do not.

const (
	// raceTrials bounds each race; a store that lets a renewal survive
	// a revocation does so in a third to two thirds of the trials.
	raceTrials = 12
	// otherSessions is how many other sessions the user holds, which
	// widens the window between a prune's index read and its deletions.
	otherSessions = 150
	// attackers renew their sessions back to back during a revocation.
	attackers = 2
)

// userApp is a small application over the store under test.
type userApp struct {
	m *session.Manager[session.Map]
	h http.Handler
}

func newUserApp(t *testing.T, s session.Store, opts ...session.Option) *userApp {
	t.Helper()
	opts = append([]session.Option{session.WithDeviceInfo()}, opts...)
	m, err := session.New[session.Map](s, opts...)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		if err := m.Get(r).SetUser(r.URL.Query().Get("u")); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("/renew", func(w http.ResponseWriter, r *http.Request) {
		s := m.Get(r)
		if s.User() == "" {
			return
		}
		if err := s.Renew(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("/user", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, m.Get(r).User())
	})
	mux.HandleFunc("/id", func(w http.ResponseWriter, r *http.Request) {
		s := m.Get(r)
		list, err := m.UserSessions(r.Context(), s.User())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		for _, u := range list {
			if u.Current {
				fmt.Fprint(w, u.ID)
			}
		}
	})
	return &userApp{m: m, h: m.Handler(mux)}
}

// do sends a request with token and returns the body and the token the
// response leaves the client with: the new one, the same one, or "" when
// the cookie was revoked.
func (a *userApp) do(t *testing.T, path, token string) (string, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, nil)
	req.Header.Set("User-Agent", "conformance "+path)
	if token != "" {
		req.AddCookie(&http.Cookie{Name: a.m.CookieName(), Value: token})
	}
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Errorf("%s: status %d: %s", path, rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == a.m.CookieName() {
			if c.MaxAge < 0 || c.Value == "" {
				return rec.Body.String(), ""
			}
			token = c.Value
		}
	}
	return rec.Body.String(), token
}

func (a *userApp) login(t *testing.T, user string) string {
	t.Helper()
	_, tok := a.do(t, "/login?u="+user, "")
	if tok == "" {
		t.Fatalf("login of %s set no cookie", user)
	}
	return tok
}

// liveSessions counts the live sessions of user in the store.
func liveSessions(t *testing.T, s session.Store, user string) int {
	t.Helper()
	n := 0
	at := now()
	for e, err := range s.List(context.Background(), session.Filter{User: user}) {
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		if d := e.Record.Data; len(d) > 0 && d[0] != 0 && e.Record.Expires.After(at) { // tombstones aside
			n++
		}
	}
	return n
}

// renewer renews a session back to back until stopped or signed out, and
// keeps the last token it was given.
type renewer struct {
	token   atomic.Value
	renewed atomic.Int64
	stop    atomic.Bool
	done    chan struct{}
}

func startRenewer(t *testing.T, a *userApp, token string) *renewer {
	r := &renewer{done: make(chan struct{})}
	r.token.Store(token)
	go func() {
		defer close(r.done)
		tok := token
		for !r.stop.Load() {
			_, next := a.do(t, "/renew", tok)
			if next == "" {
				r.token.Store("")
				return
			}
			tok = next
			r.token.Store(tok)
			r.renewed.Add(1)
		}
	}()
	// Let it renew a few times first, so the revocation meets it mid-way.
	for r.renewed.Load() < 3 {
		select {
		case <-r.done:
			return r
		default:
		}
		waitABit()
	}
	return r
}

func (r *renewer) finish() string {
	r.stop.Store(true)
	<-r.done
	return r.token.Load().(string)
}

// survivors reports, for each attacker's last token, the user it still
// loads with.
func survivors(t *testing.T, a *userApp, rs []*renewer) []string {
	var out []string
	for _, r := range rs {
		if tok := r.finish(); tok != "" {
			if got, _ := a.do(t, "/user", tok); got != "" {
				out = append(out, got)
			}
		}
	}
	return out
}

// testLogoutUserWinsOverRenewal: LogoutUser, with renewals of the user's
// sessions running back to back, leaves none of them logged in.
func testLogoutUserWinsOverRenewal(t *testing.T, s session.Store) {
	a := newUserApp(t, s)
	ctx := context.Background()
	for trial := 0; trial < raceTrials && !t.Failed(); trial++ {
		user := newUser(t, "everywhere")
		for i := 0; i < otherSessions; i++ {
			mustSave(t, s, newKey(t), live(user, "other"))
		}
		var rs []*renewer
		for i := 0; i < attackers; i++ {
			rs = append(rs, startRenewer(t, a, a.login(t, user)))
		}
		if _, err := a.m.LogoutUser(ctx, user); err != nil {
			t.Fatalf("LogoutUser: %v", err)
		}
		if got := survivors(t, a, rs); len(got) > 0 {
			t.Errorf("trial %d: after LogoutUser(%s) returned, %d renewed sessions still load with the user", trial, user, len(got))
		}
		if n := liveSessions(t, s, user); n > 0 {
			t.Errorf("trial %d: %d live sessions of %s remain after LogoutUser", trial, n, user)
		}
		if tok := a.login(t, user); func() bool { got, _ := a.do(t, "/user", tok); return got != user }() {
			t.Errorf("trial %d: a login after LogoutUser returned does not load with the user", trial)
		}
	}
}

// testRevokeSessionWinsOverRenewal: RevokeSession of one session renewing
// back to back signs it out, and no other session of the user.
func testRevokeSessionWinsOverRenewal(t *testing.T, s session.Store) {
	a := newUserApp(t, s)
	ctx := context.Background()
	for trial := 0; trial < raceTrials && !t.Failed(); trial++ {
		user := newUser(t, "revoke")
		var others []string
		for i := 0; i < 20; i++ {
			others = append(others, a.login(t, user))
		}
		tok := a.login(t, user)
		id, _ := a.do(t, "/id", tok)
		if id == "" {
			t.Fatal("UserSessions marks no session Current for the request's own")
		}
		r := startRenewer(t, a, tok)
		if err := a.m.RevokeSession(ctx, user, id); err != nil && !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("RevokeSession: %v", err)
		}
		if got := survivors(t, a, []*renewer{r}); len(got) > 0 {
			t.Errorf("trial %d: after RevokeSession returned, the revoked session still loads with %s", trial, user)
		}
		for _, o := range others {
			if got, _ := a.do(t, "/user", o); got != user {
				t.Fatalf("trial %d: RevokeSession of one session signed out another", trial)
			}
		}
		if err := a.m.RevokeSession(ctx, newUser(t, "stranger"), id); !errors.Is(err, session.ErrNotFound) {
			t.Errorf("RevokeSession with another user's name: %v, want ErrNotFound", err)
		}
	}
}

// testCapWinsOverRenewal: a login over the cap signs out the oldest
// session even while it renews back to back.
func testCapWinsOverRenewal(t *testing.T, s session.Store) {
	const maxSessions = 2
	a := newUserApp(t, s, session.WithMaxSessionsPerUser(maxSessions))
	for trial := 0; trial < raceTrials && !t.Failed(); trial++ {
		user := newUser(t, "capped")
		r := startRenewer(t, a, a.login(t, user))
		var newer []string
		for i := 0; i < maxSessions; i++ {
			newer = append(newer, a.login(t, user))
		}
		if got := survivors(t, a, []*renewer{r}); len(got) > 0 {
			t.Errorf("trial %d: %d logins over a cap of %d left the oldest session logged in", trial, maxSessions, maxSessions)
		}
		for i, tok := range newer {
			if got, _ := a.do(t, "/user", tok); got != user {
				t.Errorf("trial %d: login %d, within the cap, was signed out", trial, i)
			}
		}
	}
}

// testCapConcurrentLogins: concurrent logins never leave more sessions
// than the cap, and the newest login stays; logins one after another
// never sign out the session just created.
func testCapConcurrentLogins(t *testing.T, s session.Store) {
	const maxSessions, logins = 3, 12
	a := newUserApp(t, s, session.WithMaxSessionsPerUser(maxSessions))
	user := newUser(t, "concurrent")
	var wg sync.WaitGroup
	for i := 0; i < logins; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.do(t, "/login?u="+user, "")
		}()
	}
	wg.Wait()
	if n := liveSessions(t, s, user); n > maxSessions || n == 0 {
		t.Errorf("%d concurrent logins with a cap of %d left %d sessions", logins, maxSessions, n)
	}
	seq := newUser(t, "sequential")
	var toks []string
	for i := 0; i < maxSessions+2; i++ {
		tok := a.login(t, seq)
		if got, _ := a.do(t, "/user", tok); got != seq {
			t.Fatalf("login %d was signed out by its own cap", i)
		}
		toks = append(toks, tok)
	}
	for i, tok := range toks {
		got, _ := a.do(t, "/user", tok)
		if kept := i >= len(toks)-maxSessions; kept != (got == seq) {
			t.Errorf("after %d logins with a cap of %d, login %d loads with %q", len(toks), maxSessions, i, got)
		}
	}
}

// waitABit lets the other goroutines run.
func waitABit() {
	runtime.Gosched()
	time.Sleep(50 * time.Microsecond)
}

// raced skips a race on a store that is not safe for goroutines.
func raced(f func(t *testing.T, s session.Store)) func(t *testing.T, s session.Store) {
	return func(t *testing.T, s session.Store) {
		if !s.Capabilities().Goroutines {
			t.Skip("the store does not report Capabilities().Goroutines")
		}
		f(t, s)
	}
}
