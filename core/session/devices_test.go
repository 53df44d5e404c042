package session

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// hookStore calls afterSave once after the first Save that matches when,
// and makes Prune what an index-based store's is: it reads the matching
// keys, calls pruneGap (when set), then deletes them.
type hookStore struct {
	*testStore
	mu        sync.Mutex
	when      func(key string, rec Record) bool
	afterSave func()
	pruneGap  func()
}

func (h *hookStore) Save(ctx context.Context, key string, rec Record) error {
	err := h.testStore.Save(ctx, key, rec)
	h.mu.Lock()
	f := h.afterSave
	if f != nil && err == nil && h.when(key, rec) {
		h.afterSave = nil
	} else {
		f = nil
	}
	h.mu.Unlock()
	if f != nil {
		f()
	}
	return err
}

func (h *hookStore) Prune(ctx context.Context, f Filter) (int, error) {
	var keys []string
	for e, err := range h.List(ctx, f) {
		if err != nil {
			return 0, err
		}
		keys = append(keys, e.Key)
	}
	if h.pruneGap != nil {
		h.pruneGap()
	}
	for _, k := range keys {
		if err := h.Delete(ctx, k); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}

// confirming matches the save that confirms a renewal's tombstone: the
// second save of a tombstone, the first one's version plus one.
func confirming() func(string, Record) bool {
	seen := map[string]uint64{}
	return func(key string, rec Record) bool {
		if !isTombstone(rec) {
			return false
		}
		v, ok := seen[key]
		seen[key] = rec.Version
		return ok && rec.Version == v+1
	}
}

func userApp(t *testing.T, st Store, opts ...Option) (*Manager[Map], http.Handler) {
	t.Helper()
	m, h := testApp(t, st, opts...)
	mux := http.NewServeMux()
	mux.Handle("/", h)
	return m, m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := m.Get(r)
		switch r.URL.Path {
		case "/renew":
			if err := s.Renew(); err != nil {
				t.Error(err)
			}
		case "/user":
			w.Write([]byte(s.User()))
		case "/devices":
			list, err := m.UserSessions(r.Context(), s.User())
			if err != nil {
				t.Error(err)
			}
			for _, d := range list {
				mark := ""
				if d.Current {
					mark = "*"
				}
				w.Write([]byte(mark + d.ID + " " + d.UserAgent + "\n"))
			}
		case "/revoke":
			if err := m.RevokeSession(r.Context(), s.User(), r.FormValue("id")); err != nil {
				http.Error(w, err.Error(), http.StatusNotFound)
			}
		default:
			h.ServeHTTP(w, r) // testApp's routes, under the same manager
		}
	}))
}

// tombstoned matches the save of a renewal's tombstone.
func tombstoned(_ string, rec Record) bool { return isTombstone(rec) && rec.Version > 0 }

// TestLogoutUserDuringRenewal is the race of the security review made
// deterministic: LogoutUser's index read runs after the renewal retired
// the old record and before it created the new one, and its deletions
// after the renewal confirmed its tombstone, so the prune never sees the
// new record. The renewal must give up all the same.
func TestLogoutUserDuringRenewal(t *testing.T) {
	st := &hookStore{testStore: newTestStore(), when: tombstoned}
	m, h := userApp(t, st)
	c := &client{t: t, h: h}
	c.do("GET", "/login?u=ann")
	listed, confirmed, returned := make(chan struct{}), make(chan struct{}), make(chan struct{})
	st.pruneGap = func() {
		close(listed)
		<-confirmed
	}
	st.afterSave = func() { // the tombstone is saved
		go func() {
			defer close(returned)
			if _, err := m.LogoutUser(context.Background(), "ann"); err != nil {
				t.Error(err)
			}
		}()
		<-listed
		st.mu.Lock()
		st.afterSave = func() { // the next tombstone save confirms it
			close(confirmed)
			<-returned
		}
		st.mu.Unlock()
	}
	c.do("GET", "/renew")
	<-returned
	if c.cookie != "" {
		if got := body(t, c.do("GET", "/user")); got != "" {
			t.Fatalf("a renewal overtaken by LogoutUser kept the session: it loads with %q", got)
		}
	}
	if c.cookie != "" {
		t.Error("the renewal that gave up did not revoke its cookie")
	}
	// A login after LogoutUser returned is unaffected.
	c.do("GET", "/login?u=ann")
	c.do("GET", "/renew")
	if got := body(t, c.do("GET", "/user")); got != "ann" {
		t.Errorf("a login and renewal after LogoutUser returned load with %q, want ann", got)
	}
}

func TestRevokeSessionAfterRenewalConfirmed(t *testing.T) {
	st := &hookStore{testStore: newTestStore(), when: confirming()}
	m, h := userApp(t, st, WithDeviceInfo())
	victim, other := &client{t: t, h: h}, &client{t: t, h: h}
	victim.do("GET", "/login?u=ann")
	other.do("GET", "/login?u=ann")
	id := strings.Fields(strings.TrimPrefix(body(t, victim.do("GET", "/devices")), ""))
	var mine string
	for _, f := range id {
		if strings.HasPrefix(f, "*") {
			mine = f[1:]
		}
	}
	if mine == "" {
		t.Fatal("UserSessions marks no session Current")
	}
	st.afterSave = func() {
		if err := m.RevokeSession(context.Background(), "ann", mine); err != nil && !errors.Is(err, ErrNotFound) {
			t.Error(err)
		}
	}
	victim.do("GET", "/renew")
	if victim.cookie != "" && body(t, victim.do("GET", "/user")) != "" {
		t.Fatal("a renewal overtaken by RevokeSession kept the session")
	}
	if got := body(t, other.do("GET", "/user")); got != "ann" {
		t.Errorf("RevokeSession of one session signed out another: it loads with %q", got)
	}
}

func TestUserSessions(t *testing.T) {
	m, h := userApp(t, newTestStore(), WithDeviceInfo())
	a1, a2, b := &client{t: t, h: h}, &client{t: t, h: h}, &client{t: t, h: h}
	for _, c := range []*client{a1, a2} {
		c.do("GET", "/login?u=ann")
	}
	b.do("GET", "/login?u=bob")
	before := sortedLines(body(t, a1.do("GET", "/devices")))
	lines := strings.Split(strings.TrimSpace(before), "\n")
	if len(lines) != 2 || strings.Count(before, "*") != 1 {
		t.Fatalf("ann's devices:\n%s\nwant her two sessions, one marked current", before)
	}
	a1.do("GET", "/renew")
	if after := sortedLines(body(t, a1.do("GET", "/devices"))); after != before {
		t.Errorf("the public IDs changed with a renewal:\n%s\nthen\n%s", before, after)
	}
	for _, line := range lines {
		if strings.Contains(line, a1.cookie[strings.IndexByte(a1.cookie, '=')+1:]) {
			t.Error("a public ID holds the session token")
		}
	}
	var other string
	for _, line := range lines {
		if !strings.HasPrefix(line, "*") {
			other = strings.Fields(line)[0]
		}
	}
	// Bob cannot revoke Ann's session.
	if res := b.do("GET", "/revoke?id="+other); res.StatusCode != http.StatusNotFound {
		t.Errorf("bob revoking ann's session: status %d, want 404", res.StatusCode)
	}
	if body(t, a2.do("GET", "/user")) != "ann" {
		t.Fatal("another user's RevokeSession signed ann out")
	}
	if res := a1.do("GET", "/revoke?id="+other); res.StatusCode != http.StatusOK {
		t.Fatalf("revoking her other session: status %d", res.StatusCode)
	}
	if body(t, a2.do("GET", "/user")) != "" {
		t.Error("the revoked session still loads with ann")
	}
	if body(t, a1.do("GET", "/user")) != "ann" {
		t.Error("revoking her other session signed out the current one")
	}
	if _, err := m.UserSessions(context.Background(), ""); err == nil {
		t.Error("UserSessions of the empty user: no error")
	}
}

func TestDeviceInfoRecorded(t *testing.T) {
	m, h := userApp(t, newTestStore(), WithDeviceInfo())
	req := httptest.NewRequest("GET", "/login?u=ann", nil)
	req.Header.Set("User-Agent", strings.Repeat("é", 200)) // 400 bytes
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	list, err := m.UserSessions(context.Background(), "ann")
	if err != nil || len(list) != 1 {
		t.Fatalf("UserSessions = %v, %v", list, err)
	}
	d := list[0]
	if len(d.UserAgent) > maxAgent || !strings.HasPrefix(d.UserAgent, "éé") || strings.ToValidUTF8(d.UserAgent, "?") != d.UserAgent {
		t.Errorf("UserAgent %q: want at most %d bytes of whole characters", d.UserAgent, maxAgent)
	}
	if d.SignedIn.IsZero() || d.LastSeen.IsZero() || d.Current {
		t.Errorf("device %+v: want SignedIn and LastSeen set, not Current outside a request", d)
	}
	// Without the option, no User-Agent is kept.
	m2, h2 := userApp(t, newTestStore())
	h2.ServeHTTP(httptest.NewRecorder(), req)
	if list, _ := m2.UserSessions(context.Background(), "ann"); len(list) != 1 || list[0].UserAgent != "" {
		t.Errorf("without WithDeviceInfo: %+v", list)
	}
}

func TestMaxSessionsPerUser(t *testing.T) {
	st := newTestStore()
	_, h := userApp(t, st, WithMaxSessionsPerUser(2))
	var cs []*client
	for i := 0; i < 4; i++ {
		c := &client{t: t, h: h}
		c.do("GET", "/login?u=ann")
		if body(t, c.do("GET", "/user")) != "ann" {
			t.Fatalf("login %d was signed out by its own cap", i)
		}
		cs = append(cs, c)
	}
	for i, c := range cs {
		if got := body(t, c.do("GET", "/user")); (got == "ann") != (i >= 2) {
			t.Errorf("after 4 logins with a cap of 2, login %d loads with %q", i, got)
		}
	}
	// A renewal does not count as a login: it signs nobody out.
	cs[3].do("GET", "/renew")
	if body(t, cs[2].do("GET", "/user")) != "ann" {
		t.Error("a renewal under the cap signed out another session")
	}
	if _, err := New[Map](st, WithMaxSessionsPerUser(-1)); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("WithMaxSessionsPerUser(-1): %v", err)
	}
}

func TestRevocationList(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	var l revocationList
	l.Running = []revocation{{Op: "a", ID: "x", At: t0.Add(time.Minute)}}
	l.Ended = []revocation{{At: t0, Seq: l.next(t0)}}
	seq := l.Seq
	cases := []struct {
		id   string
		seq  int64
		now  time.Time
		want bool
	}{
		{"x", seq, t0.Add(30 * time.Second), true},                           // running
		{"y", seq, t0.Add(30 * time.Second), false},                          // another's, and the logout ended before
		{"y", seq - 1, t0.Add(30 * time.Second), true},                       // the logout ended since
		{"x", seq, t0.Add(time.Minute + revocationSkew + 1), false},          // running past its deadline
		{"x", seq, t0.Add(time.Minute + revocationSkew - time.Second), true}, // within the skew
	}
	for i, c := range cases {
		if got := l.concerns(c.id, c.seq, c.now); got != c.want {
			t.Errorf("case %d: concerns(%q, %d, now %v) = %v, want %v", i, c.id, c.seq-seq, c.now.Sub(t0), got, c.want)
		}
	}
	if n := l.next(t0.Add(-time.Hour)); n != seq+1 {
		t.Errorf("next with the clock gone back: %d, want %d", n, seq+1)
	}
	l.trim(t0.Add(revocationRetention + time.Second))
	if len(l.Ended) != 0 || len(l.Running) != 0 {
		t.Errorf("after the retention: %+v", l)
	}
	for i := 0; i <= maxRevocations; i++ {
		l.Ended = append(l.Ended, revocation{ID: "z", At: t0})
	}
	l.trim(t0)
	if len(l.Ended) != 1 || l.Ended[0].ID != "" {
		t.Errorf("past maxRevocations the ended ones fold into one of the whole user: %+v", l.Ended)
	}
	if IsRevocationRecord(Record{Data: []byte{envelopeV1}}) {
		t.Error("a session record taken for a revocation record")
	}
}

func TestTombstoneData(t *testing.T) {
	since := time.Date(2026, 2, 3, 4, 5, 6, 7, time.UTC)
	s := &Session[Map]{base: baseline{user: "ann"}, settings: settings{id: "abc", since: since}}
	data := tombstoneData(s)
	if !isTombstone(Record{Data: data}) {
		t.Fatal("tombstoneData is not a tombstone")
	}
	if id, got := tombstoneSession(data); id != "abc" || !got.Equal(since) {
		t.Errorf("tombstoneSession = %q, %v", id, got)
	}
	for _, garbage := range [][]byte{{0}, {0, 5, 'a'}, {0, 1, 'a', 0, 'x'}} {
		if isTombstone(Record{Data: garbage}) {
			t.Errorf("%q taken for a tombstone", garbage)
		}
	}
	if !isTombstone(Record{Data: []byte{}}) {
		t.Error("the empty tombstone")
	}
}

func sortedLines(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n") + "\n"
}
