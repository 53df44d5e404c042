package session

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

type client struct {
	t      *testing.T
	h      http.Handler
	cookie string
}

// do sends a request with the client's cookie and keeps the cookie the
// response sets.
func (c *client) do(method, path string) *http.Response {
	c.t.Helper()
	req := httptest.NewRequest(method, path, nil)
	if c.cookie != "" {
		req.Header.Set("Cookie", c.cookie)
	}
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	res := rec.Result()
	for _, ck := range res.Cookies() {
		if ck.MaxAge < 0 {
			c.cookie = ""
		} else {
			c.cookie = ck.Name + "=" + ck.Value
		}
	}
	return res
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func testApp(t *testing.T, store Store, opts ...Option) (*Manager[Map], http.Handler) {
	t.Helper()
	m, err := New[Map](store, opts...)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) {
		m.Get(r).Data().Set(r.FormValue("k"), r.FormValue("v"))
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		v, _ := m.Get(r).Data().GetString(r.FormValue("k"))
		io.WriteString(w, v)
	})
	mux.HandleFunc("/incr", func(w http.ResponseWriter, r *http.Request) {
		d := m.Get(r).Data()
		n, _ := d.GetInt("n")
		d.Set("n", n+1)
	})
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		if err := m.Get(r).SetUser(r.FormValue("u")); err != nil {
			t.Error(err)
		}
	})
	mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
		m.Get(r).Destroy()
	})
	mux.HandleFunc("/fail", func(w http.ResponseWriter, r *http.Request) {
		m.Get(r).Data().Set("failed", true)
		http.Error(w, "boom", http.StatusInternalServerError)
	})
	mux.HandleFunc("/nothing", func(w http.ResponseWriter, r *http.Request) {})
	return m, m.Handler(mux)
}

func TestLifecycle(t *testing.T) {
	st := newTestStore()
	_, h := testApp(t, st)
	c := &client{t: t, h: h}

	res := c.do("GET", "/nothing")
	if len(res.Cookies()) != 0 || st.ops() != 0 {
		t.Fatalf("anonymous request: cookies %v, store ops %d", res.Cookies(), st.ops())
	}
	res = c.do("GET", "/set?k=a&v=1")
	if c.cookie == "" {
		t.Fatal("no cookie after setting a value")
	}
	if got := res.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q", got)
	}
	if got := res.Header.Get("Vary"); got != "Cookie" {
		t.Errorf("Vary = %q", got)
	}
	sc := res.Header.Get("Set-Cookie")
	for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(sc, want) {
			t.Errorf("Set-Cookie %q lacks %s", sc, want)
		}
	}
	if strings.Contains(sc, "Max-Age") || strings.Contains(sc, "Secure") {
		t.Errorf("Set-Cookie %q should be a non-persistent cookie without Secure on plain HTTP", sc)
	}
	before := st.writes()
	if got := body(t, c.do("GET", "/get?k=a")); got != "1" {
		t.Fatalf("get = %q", got)
	}
	if st.writes() != before {
		t.Fatal("a read-only request wrote to the store")
	}
	old := c.cookie
	c.do("POST", "/login?u=ann")
	if c.cookie == old {
		t.Fatal("SetUser did not renew the token")
	}
	if got := body(t, c.do("GET", "/get?k=a")); got != "1" {
		t.Fatalf("data lost on renewal: %q", got)
	}
	stale := &client{t: t, h: h, cookie: old}
	if got := body(t, stale.do("GET", "/get?k=a")); got != "" {
		t.Fatalf("old token still works: %q", got)
	}
	c.do("GET", "/fail")
	if got := body(t, c.do("GET", "/get?k=failed")); got != "" {
		t.Fatal("a 500 response saved its changes")
	}
	res = c.do("GET", "/logout")
	if !strings.Contains(res.Header.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("logout did not revoke the cookie: %q", res.Header.Get("Set-Cookie"))
	}
	if n := len(st.recs); n != 0 {
		t.Fatalf("%d records left after logout", n)
	}
}

func TestPanicSavesNothing(t *testing.T) {
	st := newTestStore()
	m, _ := New[Map](st)
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.Get(r).Data().Set("x", 1)
		panic("boom")
	}))
	func() {
		defer func() { recover() }()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	}()
	if st.writes() != 0 {
		t.Fatal("a panicking handler saved its session")
	}
}

func TestConcurrentMerge(t *testing.T) {
	st := newTestStore()
	_, h := testApp(t, st)
	c := &client{t: t, h: h}
	c.do("GET", "/set?k=start&v=1")
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cc := &client{t: t, h: h, cookie: c.cookie}
			cc.do("GET", "/set?k=k"+string(rune('a'+i))+"&v=x")
		}()
	}
	wg.Wait()
	for i := 0; i < 20; i++ {
		if got := body(t, c.do("GET", "/get?k=k"+string(rune('a'+i)))); got != "x" {
			t.Errorf("key %d lost", i)
		}
	}
}

func TestStoreOutage(t *testing.T) {
	st := newTestStore()
	_, h := testApp(t, st, WithLogger(discard()))
	c := &client{t: t, h: h}
	c.do("GET", "/set?k=a&v=1")
	st.fail = errors.New("down")
	if res := c.do("GET", "/get?k=a"); res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status %d during an outage", res.StatusCode)
	}
	st.fail = nil
	if got := body(t, c.do("GET", "/get?k=a")); got != "1" {
		t.Fatalf("after the outage: %q", got)
	}
}
