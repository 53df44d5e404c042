package lifecycle

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/memstore"
)

// hookStore runs a hook once, after the first Save that matches.
type hookStore struct {
	session.Store
	mu    sync.Mutex
	match func(key string, rec session.Record) bool
	after func()
}

func (h *hookStore) Save(ctx context.Context, key string, rec session.Record) error {
	err := h.Store.Save(ctx, key, rec)
	h.mu.Lock()
	var run func()
	if err == nil && h.match != nil && h.match(key, rec) {
		run, h.match = h.after, nil
	}
	h.mu.Unlock()
	if run != nil {
		run()
	}
	return err
}

// isTombstone matches the save that retires a renewed record: an update
// (Version > 0) whose Data is empty.
func isTombstone(_ string, rec session.Record) bool { return rec.Version > 0 && len(rec.Data) == 0 }

func loginRoutes() routes {
	return routes{
		"/login": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			s.SetUser(r.URL.Query().Get("u"))
		},
		"/renew":  func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) { s.Renew() },
		"/logout": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) { s.Destroy() },
		"/user": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			w.Write([]byte(s.User()))
		},
	}
}

// Defect 1, race A: a complete logout that runs after a renewal retired
// the old record but before it created the new one must not leave the
// renewed session alive.
func TestLogoutBetweenTombstoneAndCreate(t *testing.T) {
	ms := memstore.New()
	t.Cleanup(func() { ms.Close() })
	hs := &hookStore{Store: ms}
	_, h, _ := newAppOn(t, hs, loginRoutes())
	_, tok := do(h, "/login?u=ann", "")
	hs.mu.Lock()
	hs.match = isTombstone
	hs.after = func() { do(h, "/logout", tok) } // the logout tab
	hs.mu.Unlock()
	_, renewed := do(h, "/renew", tok)
	if renewed != "" && renewed != "-" {
		if rec, _ := do(h, "/user", renewed); rec.Body.String() != "" {
			t.Errorf("a logout that ran during the renewal was lost: the renewed token gives user %q", rec.Body.String())
		}
	}
	if n := liveOf(t, ms, "ann"); n != 0 {
		t.Errorf("%d live sessions of ann after her logout", n)
	}
}

// Defect 1, race B: Prune(Filter{User: u}) ("log out everywhere") in the
// same gap must not leave the user logged in.
func TestPruneUserBetweenTombstoneAndCreate(t *testing.T) {
	ms := memstore.New()
	t.Cleanup(func() { ms.Close() })
	hs := &hookStore{Store: ms}
	_, h, _ := newAppOn(t, hs, loginRoutes())
	_, tok := do(h, "/login?u=bob", "")
	hs.mu.Lock()
	hs.match = isTombstone
	hs.after = func() {
		if _, err := ms.Prune(context.Background(), session.Filter{User: "bob"}); err != nil {
			t.Error(err)
		}
	}
	hs.mu.Unlock()
	_, renewed := do(h, "/renew", tok)
	if renewed != "" && renewed != "-" {
		if rec, _ := do(h, "/user", renewed); rec.Body.String() != "" {
			t.Errorf("a Prune by user during the renewal was lost: the renewed token gives user %q", rec.Body.String())
		}
	}
	if n := liveOf(t, ms, "bob"); n != 0 {
		t.Errorf("%d live sessions of bob after pruning his sessions", n)
	}
}

func liveOf(t *testing.T, st session.Store, user string) int {
	t.Helper()
	n := 0
	for e, err := range st.List(context.Background(), session.Filter{User: user}) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Record.Expires.After(time.Now()) && len(e.Record.Data) > 0 {
			n++
		}
	}
	return n
}

func formRoutes(planted *string) routes {
	rt := loginRoutes()
	rt["/form"] = func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
		tok, _ := s.NewFormToken()
		*planted = tok
	}
	rt["/check"] = func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
		if s.CheckFormToken(r.URL.Query().Get("t")) {
			w.Write([]byte("accepted"))
		}
	}
	return rt
}

// Defect 2: a form token taken before login (by an attacker who planted
// the cookie) does not work after the login.
func TestLoginDropsFormTokens(t *testing.T) {
	var planted string
	_, h, _ := newApp(t, formRoutes(&planted))
	_, tok := do(h, "/form", "") // the attacker's session and form token
	_, tok2 := do(h, "/login?u=victim", tok)
	if tok2 == "" || tok2 == "-" {
		t.Fatal("login set no cookie")
	}
	if rec, _ := do(h, "/check?t="+planted, tok2); rec.Body.String() == "accepted" {
		t.Error("a form token issued before SetUser was accepted after it")
	}
}

// Defect 2, through a merge: a form token another request created while
// the login was in flight is not brought back by the merge.
func TestLoginMergeDropsFormTokens(t *testing.T) {
	var planted string
	loaded, release := make(chan struct{}), make(chan struct{})
	rt := formRoutes(&planted)
	rt["/slow-login"] = func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
		close(loaded)
		<-release
		s.SetUser("victim")
	}
	rt["/set"] = func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) { s.Data().Set("a", 1) }
	_, h, _ := newApp(t, rt)
	_, tok := do(h, "/set", "")
	var tok2 string
	done := make(chan struct{})
	go func() { defer close(done); _, tok2 = do(h, "/slow-login", tok) }()
	<-loaded
	do(h, "/form", tok) // the attacker takes a form token meanwhile
	close(release)
	<-done
	if tok2 == "" || tok2 == "-" {
		t.Fatal("login set no cookie")
	}
	if rec, _ := do(h, "/check?t="+planted, tok2); rec.Body.String() == "accepted" {
		t.Error("a form token created during the login was merged into the logged-in session")
	}
}

// Defect 3: CheckFormToken after the response has started cannot save the
// consumption, so it must refuse: otherwise the token could be replayed.
func TestCheckFormTokenAfterCommitRefuses(t *testing.T) {
	var planted string
	rt := formRoutes(&planted)
	rt["/late-check"] = func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
		w.Write([]byte("streaming "))
		if s.CheckFormToken(r.URL.Query().Get("t")) {
			w.Write([]byte("accepted"))
		}
	}
	_, h, _ := newApp(t, rt)
	_, tok := do(h, "/form", "")
	for i := 0; i < 2; i++ {
		if rec, _ := do(h, "/late-check?t="+planted, tok); strings.Contains(rec.Body.String(), "accepted") {
			t.Errorf("attempt %d: CheckFormToken after the first byte accepted a token whose consumption cannot be saved", i+1)
		}
	}
}

// Defect 3: Destroy after the first byte deletes the session in the store
// at once.
func TestDestroyAfterFirstByteDeletes(t *testing.T) {
	rt := loginRoutes()
	rt["/late-logout"] = func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
		w.Write([]byte("bye"))
		s.Destroy()
	}
	_, h, _ := newApp(t, rt)
	_, tok := do(h, "/login?u=ann", "")
	do(h, "/late-logout", tok)
	if rec, _ := do(h, "/user", tok); rec.Body.String() != "" {
		t.Errorf("Destroy after the first byte left the session alive: user %q", rec.Body.String())
	}
}

// lateRecorder counts events and warnings that happen after the commit.
type lateRecorder struct {
	mu       sync.Mutex
	events   []session.EventKind
	warnings bytes.Buffer
}

func (l *lateRecorder) hook(e session.Event) {
	l.mu.Lock()
	l.events = append(l.events, e.Kind)
	l.mu.Unlock()
}

func (l *lateRecorder) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(&lockedWriter{mu: &l.mu, w: &l.warnings}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (w *lockedWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(b)
}

// Defect 3: a change to the data or the flashes after the commit is lost;
// it is reported with an event and a warning, once per request.
func TestLateChangeReported(t *testing.T) {
	lr := &lateRecorder{}
	rt := loginRoutes()
	rt["/late"] = func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
		w.Write([]byte("early"))
		s.Data().Set("late", 1)
		s.AddFlash("late")
		s.Data().Set("later", 2)
	}
	m, err := session.New[session.Map](memstore.New(), session.WithEventHook(lr.hook), session.WithLogger(lr.logger()))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	for p, f := range rt {
		mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) { f(w, r, m.Get(r)) })
	}
	h := m.Handler(mux)
	_, tok := do(h, "/login?u=ann", "")
	lr.mu.Lock()
	lr.events, lr.warnings = nil, bytes.Buffer{}
	lr.mu.Unlock()
	do(h, "/late", tok)
	lr.mu.Lock()
	defer lr.mu.Unlock()
	if len(lr.events) != 1 || lr.events[0].String() != "late-change" {
		t.Errorf("events after a late change = %v, want one late-change", lr.events)
	}
	if n := strings.Count(lr.warnings.String(), "level=WARN"); n != 1 {
		t.Errorf("%d warnings logged for a late change, want 1: %q", n, lr.warnings.String())
	}
}

// blockingStore blocks the Saves of one key until released, or until the
// Save's context is done.
type blockingStore struct {
	session.Store
	key       atomic.Value // string
	ignoreCtx bool         // hang like a store that ignores its context
	entered   chan struct{}
	release   chan struct{}
}

func (b *blockingStore) Save(ctx context.Context, key string, rec session.Record) error {
	if k, _ := b.key.Load().(string); k == key {
		select {
		case b.entered <- struct{}{}:
		default:
		}
		if b.ignoreCtx {
			<-b.release
		} else {
			select {
			case <-b.release:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return b.Store.Save(ctx, key, rec)
}

// Defect 4: a slow save of session A does not block a save of an
// unrelated session B, even one whose key shares A's lock stripe.
func TestSlowSaveDoesNotBlockOtherSession(t *testing.T) {
	ms := memstore.New()
	t.Cleanup(func() { ms.Close() })
	bs := &blockingStore{Store: ms, entered: make(chan struct{}, 1), release: make(chan struct{})}
	rt := routes{"/set": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
		s.Data().Set("v", r.URL.Query().Get("v"))
	}}
	_, h, _ := newAppOn(t, bs, rt)
	// Two sessions whose keys share their first two hexadecimal digits.
	byStripe := map[string]string{}
	var a, b string
	for a == "" {
		_, tok := do(h, "/set?v=0", "")
		k := keyOf(tok)
		if other, ok := byStripe[k[:2]]; ok {
			a, b = other, tok
		}
		byStripe[k[:2]] = tok
	}
	bs.key.Store(keyOf(a))
	aDone := make(chan struct{})
	go func() { defer close(aDone); do(h, "/set?v=1", a) }()
	<-bs.entered // A's save is in the store, stuck
	bDone := make(chan struct{})
	go func() { defer close(bDone); do(h, "/set?v=1", b) }()
	select {
	case <-bDone:
	case <-time.After(5 * time.Second):
		t.Error("a request of session B waited for a slow save of the unrelated session A")
	}
	close(bs.release)
	<-aDone
	<-bDone
}

// keyOf is the store key of a token: its SHA-256 in lowercase hex.
func keyOf(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// Defect 4: waiting for the session's lock honours the commit's deadline:
// a request queued behind a save that hangs gets the error handler when
// its commit timeout passes, instead of hanging with it.
func TestLockWaitHonoursDeadline(t *testing.T) {
	ms := memstore.New()
	t.Cleanup(func() { ms.Close() })
	bs := &blockingStore{Store: ms, ignoreCtx: true, entered: make(chan struct{}, 1), release: make(chan struct{})}
	t.Cleanup(func() { close(bs.release) })
	rt := routes{"/set": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
		s.Data().Set(r.URL.Query().Get("k"), 1)
	}}
	// The first save hangs past its deadline, as a store that ignores its
	// context does; the second request must still end at its own.
	_, h, _ := newAppOn(t, bs, rt, session.WithCommitTimeout(200*time.Millisecond))
	_, tok := do(h, "/set?k=a", "")
	bs.key.Store(keyOf(tok))
	first := make(chan int, 1)
	go func() { rec, _ := do(h, "/set?k=b", tok); first <- rec.Code }()
	<-bs.entered
	second := make(chan int, 1)
	go func() { rec, _ := do(h, "/set?k=c", tok); second <- rec.Code }()
	select {
	case code := <-second:
		if code < 500 {
			t.Errorf("status %d for a commit that could not save, want the error handler's", code)
		}
	case <-time.After(5 * time.Second):
		t.Error("a request waiting for the session's lock ignored its commit deadline")
	}
}

// Defect 5: every response to a request that carried a session cookie
// varies on Cookie: a 5xx, and a read-only request served anonymously
// during an outage.
func TestVaryCookieEverywhere(t *testing.T) {
	fs := &failingLoads{Store: memstore.New()}
	t.Cleanup(func() { fs.Close() })
	rt := loginRoutes()
	rt["/fail"] = func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}
	_, h, _ := newAppOn(t, fs, rt, session.WithOutagePolicy(session.OutageAnonymous))
	_, tok := do(h, "/login?u=ann", "")
	if rec, _ := do(h, "/fail", tok); !varies(rec.Header()) {
		t.Errorf("a 5xx to a request with a cookie: Vary %q, want Cookie", rec.Header().Values("Vary"))
	}
	fs.fail.Store(true)
	if rec, _ := do(h, "/user", tok); !varies(rec.Header()) {
		t.Errorf("a read-only page served anonymously during an outage: Vary %q, want Cookie", rec.Header().Values("Vary"))
	}
	_, h2, _ := newAppOn(t, fs, rt) // OutageError: the error handler answers
	if rec, _ := do(h2, "/user", tok); rec.Code < 500 || !varies(rec.Header()) {
		t.Errorf("the error handler's answer to a request with a cookie: status %d, Vary %q, want 5xx and Cookie", rec.Code, rec.Header().Values("Vary"))
	}
}

type failingLoads struct {
	session.Store
	fail atomic.Bool
}

func (f *failingLoads) Load(ctx context.Context, key string) (session.Record, error) {
	if f.fail.Load() {
		return session.Record{}, context.DeadlineExceeded
	}
	return f.Store.Load(ctx, key)
}

func varies(h http.Header) bool {
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), "Cookie") {
				return true
			}
		}
	}
	return false
}
