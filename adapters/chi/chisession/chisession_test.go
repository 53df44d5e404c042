package chisession_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/session2/session2/adapters/chi/chisession"
	"github.com/session2/session2/conformance"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/memstore"
)

func chiRouter(m *session.Manager[session.Map], routes conformance.Routes, recoverInside bool) http.Handler {
	r := chi.NewRouter()
	if !recoverInside {
		r.Use(middleware.Recoverer)
	}
	r.Use(chisession.Middleware(m))
	if recoverInside {
		r.Use(middleware.Recoverer)
	}
	for _, rt := range routes {
		r.MethodFunc(rt.Method, rt.Path, func(w http.ResponseWriter, r *http.Request) {
			rt.Handle(w, r, chisession.Get[session.Map](r))
		})
	}
	return r
}

func TestAdapter(t *testing.T) {
	t.Run("RecovererOutside", func(t *testing.T) {
		conformance.TestAdapter(t, func(t *testing.T, m *session.Manager[session.Map], routes conformance.Routes) http.Handler {
			return chiRouter(m, routes, false)
		})
	})
	t.Run("RecovererInside", func(t *testing.T) {
		conformance.TestAdapter(t, func(t *testing.T, m *session.Manager[session.Map], routes conformance.Routes) http.Handler {
			return chiRouter(m, routes, true)
		})
	})
	t.Run("HeaderToken", func(t *testing.T) {
		conformance.TestAdapterHeaderToken(t, func(t *testing.T, m *session.Manager[session.Map], routes conformance.Routes) http.Handler {
			return chiRouter(m, routes, false)
		})
	})
}

type account struct {
	Balance int
}

func newApp(t *testing.T) (*session.Manager[account], http.Handler) {
	t.Helper()
	store := memstore.New()
	t.Cleanup(func() { store.Close() })
	m, err := session.New[account](store)
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	r.Use(chisession.Middleware(m))
	r.Post("/login", func(w http.ResponseWriter, r *http.Request) {
		if err := chisession.Get[account](r).SetUser(r.PostFormValue("user")); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	r.Get("/token", func(w http.ResponseWriter, r *http.Request) {
		tok, err := chisession.Get[account](r).NewFormToken()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		io.WriteString(w, tok)
	})
	r.With(chisession.RequireUser[account]("/login")).Get("/account", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello "+chisession.Get[account](r).User())
	})
	r.With(chisession.RequireUser[account]("")).Get("/api/account", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	})
	r.With(chisession.CheckFormToken[account]()).Post("/deposit", func(w http.ResponseWriter, r *http.Request) {
		chisession.Get[account](r).Data().Balance += 10
		io.WriteString(w, "deposited")
	})
	return m, r
}

func send(t *testing.T, h http.Handler, method, path, cookie string, form url.Values, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func cookieOf(t *testing.T, rec *httptest.ResponseRecorder, old string) string {
	t.Helper()
	for _, c := range rec.Result().Cookies() {
		return c.Name + "=" + c.Value
	}
	return old
}

func TestRequireUser(t *testing.T) {
	_, h := newApp(t)
	rec := send(t, h, "GET", "/account", "", nil, nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/login" {
		t.Fatalf("anonymous /account: %d %q, want a 303 to /login", rec.Code, rec.Header().Get("Location"))
	}
	if rec := send(t, h, "GET", "/api/account", "", nil, nil); rec.Code != http.StatusUnauthorized {
		t.Fatalf("anonymous /api/account: %d, want 401", rec.Code)
	}
	login := send(t, h, "POST", "/login", "", url.Values{"user": {"ann"}}, nil)
	c := cookieOf(t, login, "")
	if rec := send(t, h, "GET", "/account", c, nil, nil); rec.Code != 200 || rec.Body.String() != "hello ann" {
		t.Fatalf("logged-in /account: %d %q", rec.Code, rec.Body.String())
	}
}

func TestCheckFormToken(t *testing.T) {
	_, h := newApp(t)
	first := send(t, h, "GET", "/token", "", nil, nil)
	c := cookieOf(t, first, "")
	tok := first.Body.String()

	if rec := send(t, h, "POST", "/deposit", c, url.Values{}, nil); rec.Code != http.StatusForbidden {
		t.Fatalf("no token: %d, want 403", rec.Code)
	}
	if rec := send(t, h, "POST", "/deposit", c, url.Values{"form_token": {"forged"}}, nil); rec.Code != http.StatusForbidden {
		t.Fatalf("forged token: %d, want 403", rec.Code)
	}
	if rec := send(t, h, "POST", "/deposit", c, url.Values{"form_token": {tok}}, nil); rec.Code != 200 {
		t.Fatalf("valid token: %d %q", rec.Code, rec.Body.String())
	}
	if rec := send(t, h, "POST", "/deposit", c, url.Values{"form_token": {tok}}, nil); rec.Code != http.StatusForbidden {
		t.Fatalf("a used token was accepted again: %d", rec.Code)
	}
	second := send(t, h, "GET", "/token", c, nil, nil)
	if rec := send(t, h, "POST", "/deposit", c, nil, http.Header{"X-Form-Token": {second.Body.String()}}); rec.Code != 200 {
		t.Fatalf("token in the header: %d", rec.Code)
	}
	other := cookieOf(t, send(t, h, "GET", "/token", "", nil, nil), "")
	third := send(t, h, "GET", "/token", c, nil, nil).Body.String()
	if rec := send(t, h, "POST", "/deposit", other, url.Values{"form_token": {third}}, nil); rec.Code != http.StatusForbidden {
		t.Fatalf("another session's token was accepted: %d", rec.Code)
	}
}

func TestGetWithoutMiddlewarePanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "chisession.Middleware") {
			t.Fatalf("recover() = %v, want a panic naming the missing middleware", r)
		}
	}()
	chisession.Get[account](httptest.NewRequest("GET", "/", nil))
}
