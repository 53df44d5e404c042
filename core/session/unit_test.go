package session

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestNewValidates(t *testing.T) {
	st := newTestStore()
	bad := map[string][]Option{
		"__Host- with Domain":      {WithCookie(Cookie{Name: "__Host-s", Domain: "example.com"})},
		"__Host- with Path":        {WithCookie(Cookie{Name: "__Host-s", Path: "/app"})},
		"__Host- never secure":     {WithCookie(Cookie{Name: "__Host-s", Secure: SecureNever})},
		"SameSite=None not Secure": {WithCookie(Cookie{SameSite: http.SameSiteNoneMode})},
		"name with space":          {WithCookie(Cookie{Name: "a b"})},
		"path without slash":       {WithCookie(Cookie{Path: "app"})},
		"negative lifetime":        {WithExpiry(Expiry{Lifetime: -time.Hour})},
		"negative idle":            {WithExpiry(Expiry{Idle: -time.Second})},
		"touch >= idle":            {WithExpiry(Expiry{Idle: time.Minute, TouchInterval: time.Minute})},
		"max < lifetime":           {WithExpiry(Expiry{Lifetime: 48 * time.Hour, MaxLifetime: 24 * time.Hour})},
		"zero max size":            {WithMaxSize(0)},
		"nil codec":                {WithCodec(nil)},
		"nil clock":                {WithClock(nil)},
		"zero load timeout":        {WithLoadTimeout(0)},
		"negative load timeout":    {WithLoadTimeout(-time.Second)},
		"zero commit timeout":      {WithCommitTimeout(0)},
	}
	for name, opts := range bad {
		if _, err := New[Map](st, opts...); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: err = %v, want ErrInvalidConfig", name, err)
		}
	}
	if _, err := New[Map](nil); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("nil store: err = %v", err)
	}
	good := [][]Option{
		nil,
		{WithCookie(Cookie{Name: "__Host-s"})},
		{WithCookie(Cookie{SameSite: http.SameSiteNoneMode, Secure: SecureAlways})},
		{WithExpiry(Expiry{Idle: time.Minute})},             // default touch interval shrinks to fit
		{WithExpiry(Expiry{Lifetime: 60 * 24 * time.Hour})}, // the default maximum grows to fit
	}
	for i, opts := range good {
		if _, err := New[Map](st, opts...); err != nil {
			t.Errorf("good config %d: %v", i, err)
		}
	}
}

func TestValidToken(t *testing.T) {
	for i := 0; i < 100; i++ {
		tok, err := newToken()
		if err != nil {
			t.Fatal(err)
		}
		if !validToken(tok) {
			t.Fatalf("validToken rejects the issued token %q", tok)
		}
		if k := keyOf(tok); !IsKey(k) {
			t.Fatalf("keyOf gives %q, not a key", k)
		}
	}
	for _, s := range []string{"", strings.Repeat("A", 42), strings.Repeat("A", 44), strings.Repeat("A", 42) + "B", strings.Repeat("A", 42) + "=", "../" + strings.Repeat("A", 40)} {
		if validToken(s) {
			t.Errorf("validToken(%q) = true", s)
		}
	}
}

func FuzzDecodeEnvelope(f *testing.F) {
	f.Add(appendEnvelope(nil, "127.0.0.1", []string{"a", "b"}, []string{packFlash("", "hi")}, []byte(`J{"a":1}`), settings{}))
	f.Add(appendEnvelope(nil, "127.0.0.1", []string{"a"}, []string{packFlash("error", "no")}, []byte(`J{"a":1}`), settings{persist: 1, lifetime: 3600e9}))
	f.Add(appendEnvelope(nil, "", nil, nil, []byte(`J{}`), settings{idle: -1, lifetime: 30 * 24 * time.Hour}))
	f.Add(appendEnvelope(nil, "", nil, nil, []byte(`J{}`), settings{idle: 90 * time.Minute}))
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := decodeEnvelope(b)
		if err != nil {
			return
		}
		again := appendEnvelope(nil, e.remote, e.tokens, e.flashes, e.data, e.settings)
		e2, err := decodeEnvelope(again)
		if err != nil || e2.remote != e.remote || len(e2.tokens) != len(e.tokens) || !bytes.Equal(e2.data, e.data) ||
			fmt.Sprint(e2.flashes) != fmt.Sprint(e.flashes) || e2.settings != e.settings {
			t.Fatalf("round trip changed the envelope")
		}
	})
}

func TestMapRoundTrip(t *testing.T) {
	var m Map
	m.Set("int", 42)
	m.Set("big", int64(1)<<60)
	m.Set("float", 1.5)
	m.Set("str", "x")
	m.Set("bool", true)
	m.Set("when", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	m.Set("list", []any{1, "a"})
	b, err := JSONCodec{}.Encode(&m)
	if err != nil {
		t.Fatal(err)
	}
	var back Map
	if err := (JSONCodec{}).Decode(b, &back); err != nil {
		t.Fatal(err)
	}
	if v, _ := back.Get("int"); v != 42 {
		t.Errorf("int came back as %#v", v)
	}
	if n, ok := back.GetInt("int"); !ok || n != 42 {
		t.Errorf("GetInt = %d, %v", n, ok)
	}
	if n, ok := back.GetInt64("big"); !ok || n != 1<<60 {
		t.Errorf("GetInt64 = %d, %v", n, ok)
	}
	if f, ok := back.GetFloat64("float"); !ok || f != 1.5 {
		t.Errorf("GetFloat64 = %v, %v", f, ok)
	}
	if _, ok := back.GetInt("float"); ok {
		t.Error("GetInt accepted 1.5")
	}
	if s, ok := back.GetString("str"); !ok || s != "x" {
		t.Errorf("GetString = %q, %v", s, ok)
	}
	if v, ok := back.GetBool("bool"); !ok || !v {
		t.Errorf("GetBool = %v, %v", v, ok)
	}
	if w, ok := back.GetTime("when"); !ok || !w.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("GetTime = %v, %v", w, ok)
	}
	again, _ := JSONCodec{}.Encode(&back)
	if !bytes.Equal(b, again) {
		t.Errorf("encoding is not stable: %s vs %s", b, again)
	}
	var g Map
	gb, err := GobCodec{}.Encode(&m)
	if err != nil {
		t.Fatal(err)
	}
	if err := (GobCodec{}).Decode(gb, &g); err != nil {
		t.Fatal(err)
	}
	if n, _ := g.GetInt("int"); n != 42 {
		t.Errorf("gob round trip: %d", n)
	}
	if err := (JSONCodec{}).Decode(gb, &g); err == nil {
		t.Error("the JSON codec decoded gob data")
	}
}

type cart struct {
	Items []string
	Total int
	Note  string
}

func TestStructSessionMerge(t *testing.T) {
	st := newTestStore()
	m, _ := New[cart](st, WithCodec(GobCodec{}))
	var hold, release = make(chan struct{}), make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/add", func(w http.ResponseWriter, r *http.Request) {
		c := m.Get(r).Data()
		c.Items = append(c.Items, r.FormValue("i"))
	})
	mux.HandleFunc("/slownote", func(w http.ResponseWriter, r *http.Request) {
		s := m.Get(r)
		close(hold)
		<-release
		s.Data().Note = "hello"
	})
	mux.HandleFunc("/show", func(w http.ResponseWriter, r *http.Request) {
		c := m.Get(r).Data()
		io.WriteString(w, strings.Join(c.Items, ",")+"|"+c.Note)
	})
	h := m.Handler(mux)
	c := &client{t: t, h: h}
	c.do("GET", "/add?i=a")
	done := make(chan struct{})
	go func() {
		defer close(done)
		(&client{t: t, h: h, cookie: c.cookie}).do("GET", "/slownote")
	}()
	<-hold
	c.do("GET", "/add?i=b")
	close(release)
	<-done
	if got := body(t, c.do("GET", "/show")); got != "a,b|hello" {
		t.Fatalf("merged struct session = %q, want a,b|hello", got)
	}
}

func TestSizeCap(t *testing.T) {
	st := newTestStore()
	_, h := testApp(t, st, WithMaxSize(200), WithLogger(discard()))
	c := &client{t: t, h: h}
	c.do("GET", "/set?k=a&v=small")
	res := c.do("GET", "/set?k=b&v="+strings.Repeat("x", 300))
	if res.StatusCode != http.StatusInternalServerError {
		t.Fatalf("oversized save: status %d, want 500 from the error handler", res.StatusCode)
	}
	if got := body(t, c.do("GET", "/get?k=a")); got != "small" {
		t.Fatalf("the stored record changed: %q", got)
	}
}

func TestUndecodableRecord(t *testing.T) {
	st := newTestStore()
	var events []EventKind
	_, h := testApp(t, st, WithEventHook(func(e Event) { events = append(events, e.Kind) }), WithLogger(discard()))
	c := &client{t: t, h: h}
	c.do("GET", "/set?k=a&v=1")
	for k, r := range st.recs {
		r.Data = []byte("garbage")
		st.recs[k] = r
	}
	res := c.do("GET", "/get?k=a")
	if res.StatusCode != 200 || body(t, res) != "" {
		t.Fatalf("undecodable record: status %d", res.StatusCode)
	}
	if len(st.recs) != 0 {
		t.Error("the undecodable record was not deleted")
	}
	found := false
	for _, k := range events {
		found = found || k == EventUndecodable
	}
	if !found {
		t.Errorf("events %v lack EventUndecodable", events)
	}
}

func TestOutageAnonymous(t *testing.T) {
	st := newTestStore()
	_, h := testApp(t, st, WithOutagePolicy(OutageAnonymous), WithLogger(discard()))
	c := &client{t: t, h: h}
	c.do("GET", "/set?k=a&v=1")
	st.fail = errors.New("down")
	res := c.do("GET", "/set?k=a&v=2")
	if res.StatusCode != 200 || len(res.Cookies()) != 0 {
		t.Fatalf("anonymous outage: status %d cookies %v", res.StatusCode, res.Cookies())
	}
	st.fail = nil
	if got := body(t, c.do("GET", "/get?k=a")); got != "1" {
		t.Fatalf("after the outage: %q", got)
	}
}

func TestFlashesAndFormTokens(t *testing.T) {
	st := newTestStore()
	m, _ := New[Map](st)
	var tok string
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := m.Get(r)
		switch r.URL.Path {
		case "/new":
			for i := 0; i < MaxFormTokens+5; i++ {
				t, _ := s.NewFormToken()
				tok = t
			}
			s.AddFlash("saved")
		case "/use":
			// Everything before the first write: the commit happens then.
			out := strings.Join(s.Flashes(), ",")
			if !s.CheckFormToken(r.FormValue("t")) {
				out += "|bad"
			}
			out += "|" + string(rune('0'+s.FormTokenCount()-30))
			io.WriteString(w, out)
		}
	}))
	c := &client{t: t, h: h}
	c.do("GET", "/new")
	if got := body(t, c.do("GET", "/use?t="+tok)); got != "saved|1" {
		t.Fatalf("first use = %q", got)
	}
	if got := body(t, c.do("GET", "/use?t="+tok)); got != "|bad|1" {
		t.Fatalf("second use = %q (a token must work once)", got)
	}
}

func TestStreamingFlush(t *testing.T) {
	st := newTestStore()
	m, _ := New[Map](st)
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.Get(r).Data().Set("a", 1)
		io.WriteString(w, "x")
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Error(err)
		}
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if !rec.Flushed || rec.Header().Get("Set-Cookie") == "" {
		t.Fatalf("flushed %v, Set-Cookie %q", rec.Flushed, rec.Header().Get("Set-Cookie"))
	}
}

var registerOnce sync.Once

func TestRegistry(t *testing.T) {
	registerOnce.Do(func() {
		RegisterStore("unittest", func(ctx context.Context, u *url.URL) (Store, error) { return newTestStore(), nil })
	})
	if _, err := OpenStore(context.Background(), "unittest:"); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenStore(context.Background(), "nope:x"); !errors.Is(err, ErrUnknownScheme) {
		t.Fatalf("unknown scheme: %v", err)
	}
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestMapInPlaceChangeIsSaved(t *testing.T) {
	st := newTestStore()
	m, _ := New[Map](st)
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := m.Get(r).Data()
		switch r.URL.Path {
		case "/init":
			d.Set("list", []any{1})
		case "/mutate":
			v, _ := d.Get("list")
			v.([]any)[0] = 2
		case "/show":
			v, _ := d.Get("list")
			io.WriteString(w, fmt.Sprint(v))
		}
	}))
	c := &client{t: t, h: h}
	c.do("GET", "/init")
	c.do("GET", "/mutate")
	if got := body(t, c.do("GET", "/show")); got != "[2]" {
		t.Fatalf("a slice changed in place was not saved: %s", got)
	}
}

func TestRegisterTwicePanics(t *testing.T) {
	registerOnce.Do(func() {
		RegisterStore("unittest", func(ctx context.Context, u *url.URL) (Store, error) { return newTestStore(), nil })
	})
	defer func() {
		if recover() == nil {
			t.Fatal("registering a scheme twice did not panic")
		}
	}()
	RegisterStore("unittest", func(ctx context.Context, u *url.URL) (Store, error) { return nil, nil })
}

func TestInspect(t *testing.T) {
	data := appendEnvelope(nil, "10.0.0.1", []string{"secret1", "secret2"}, []string{packFlash("", "hi")}, []byte(`J{"a":1}`), settings{})
	c, err := Inspect(data)
	if err != nil {
		t.Fatal(err)
	}
	js, ok := c.JSON()
	if c.RemoteAddr != "10.0.0.1" || c.FormTokens != 2 || c.Flashes != 1 || c.Codec != "json" || !ok || string(js) != `{"a":1}` {
		t.Fatalf("Inspect = %+v", c)
	}
	if strings.Contains(fmt.Sprintf("%+v", c), "secret") {
		t.Fatal("Contents exposes form token values")
	}
	for i := 0; i < len(data)-len(`J{"a":1}`); i++ {
		if _, err := Inspect(data[:i]); err == nil {
			t.Fatalf("Inspect accepted a record cut at %d bytes", i)
		}
	}
}

func TestCheckRequest(t *testing.T) {
	var none *Session[Map]
	if !none.CheckRequest(httptest.NewRequest("GET", "/", nil)) || none.CheckRequest(httptest.NewRequest("POST", "/", nil)) {
		t.Fatal("a nil session must pass safe methods only")
	}
	m, _ := New[Map](newTestStore())
	s := &Session[Map]{m: m}
	tok1, _ := s.NewFormToken()
	tok2, _ := s.NewFormToken()
	tok3, _ := s.NewFormToken()
	post := func(target, body string, h http.Header) *http.Request {
		r := httptest.NewRequest("POST", target, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range h {
			r.Header[k] = v
		}
		return r
	}
	if s.CheckRequest(post("/?form_token="+tok1, "", nil)) {
		t.Error("a token in the URL was accepted")
	}
	if !s.CheckRequest(post("/", "form_token="+tok1, nil)) || s.CheckRequest(post("/", "form_token="+tok1, nil)) {
		t.Error("a form field token must work once")
	}
	if !s.CheckRequest(post("/", "", http.Header{FormTokenHeader: {tok2}})) {
		t.Error("a header token was refused")
	}
	if s.CheckRequest(post("/", "", nil)) || !s.CheckRequest(httptest.NewRequest("HEAD", "/", nil)) {
		t.Error("a POST without a token passed, or a HEAD was refused")
	}
	if s.FormTokenCount() != 1 || !s.CheckRequest(post("/", "form_token="+tok3, nil)) {
		t.Error("the unused token was lost")
	}
}

func TestServeContentThroughMiddleware(t *testing.T) {
	st := newTestStore()
	m, _ := New[Map](st)
	content := strings.Repeat("0123456789", 10000)
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.Get(r).Data().Set("downloaded", true)
		if _, ok := w.(io.ReaderFrom); !ok {
			t.Error("the committing writer hides io.ReaderFrom")
		}
		http.ServeContent(w, r, "data.txt", time.Time{}, strings.NewReader(content))
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != content || res.Header.Get("Set-Cookie") == "" || st.writes() != 1 {
		t.Fatalf("got %d bytes, Set-Cookie %q, %d store writes", len(b), res.Header.Get("Set-Cookie"), st.writes())
	}
}
