package echosession_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/session2/session2/adapters/echo/echosession"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/memstore"
)

// TestCrossOriginBypass: bypass patterns through CrossOrigin and echo's
// router. echo routes /hooks/github%2Frotate on its escaped path, to
// /hooks/:provider, as ServeMux would; a path with an escaped slash is
// refused all the same, as on every router (gin reads it as three
// segments). POST /login, which ServeMux would only redirect to the
// bypassed /login/, must not pass.
func TestCrossOriginBypass(t *testing.T) {
	mgr, err := session.New[session.Map](memstore.New())
	if err != nil {
		t.Fatal(err)
	}
	cop := session.NewCrossOriginProtection()
	for _, p := range []string{"POST /hooks/{provider}", "POST /login/"} {
		if err := cop.AddInsecureBypassPattern(p); err != nil {
			t.Fatal(err)
		}
	}
	e := newEcho()
	e.Use(quietRecover(), echosession.CrossOrigin(cop), echosession.Middleware(mgr))
	for _, route := range []string{"/hooks/:provider", "/hooks/:provider/rotate", "/login", "/login/callback"} {
		e.POST(route, func(c echo.Context) error { return c.String(http.StatusOK, "ran "+c.Path()) })
	}
	srv := httptest.NewServer(e)
	defer srv.Close()

	for _, c := range []struct {
		path, want string // want: the route that ran, or "" for a refusal
	}{
		{"/hooks/github", "/hooks/:provider"},
		{"/hooks/github%2Frotate", ""},
		{"/hooks/github%2frotate", ""},
		{"/login", ""},
		{"/login/callback", "/login/callback"},
	} {
		code, body := crossSitePost(t, srv.URL+c.path)
		if c.want == "" && (code != http.StatusForbidden || strings.HasPrefix(body, "ran ")) {
			t.Errorf("cross-site POST %s: %d %q; want 403, no handler", c.path, code, body)
		}
		if c.want != "" && (code != http.StatusOK || body != "ran "+c.want) {
			t.Errorf("cross-site POST %s: %d %q; want 200 from %s", c.path, code, body, c.want)
		}
	}
}

// crossSitePost sends a browser's cross-site POST to url and returns the
// status and body.
func crossSitePost(t *testing.T, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}
