package session

import (
	"net/http"
	"net/url"
	"strings"
)

// maxReturnTo bounds the length of a return-to path.
const maxReturnTo = 2048

// LocalPath reports whether s is safe to redirect to after a login: a path
// on this site, starting with a single "/", with no scheme, host or user
// info, no backslash (which browsers read as a slash, making "/\evil.com"
// another host), no control character or space (browsers drop tabs and
// newlines, making "/\t/evil.com" another host), and at most 2048 bytes.
// A query and a fragment may follow the path.
func LocalPath(s string) bool {
	if s == "" || len(s) > maxReturnTo || s[0] != '/' {
		return false
	}
	if len(s) > 1 && (s[1] == '/' || s[1] == '\\') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f || c == '\\' {
			return false
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return false
	}
	// A path that decodes to "//host" or "/\host" is refused too, for
	// servers or proxies that decode before redirecting.
	if p := u.Path; strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return false
	}
	return true
}

// ReturnTo returns the value of r's parameter param (from the URL's query,
// or a POST form's body) when it is a local path (see [LocalPath]), else
// fallback. A login handler redirects there after SetUser:
//
//	http.Redirect(w, r, session.ReturnTo(r, "next", "/"), http.StatusSeeOther)
func ReturnTo(r *http.Request, param, fallback string) string {
	if v := r.FormValue(param); LocalPath(v) {
		return v
	}
	return fallback
}

// LoginRedirect returns loginURL with the parameter param set to the path
// and query r asked for, for the login page to come back to (see
// [ReturnTo]). [RequireUser] uses it with the [ReturnParam] option, as
// do the adapters' RequireUser. A request path that is not a local path is left out.
func LoginRedirect(loginURL, param string, r *http.Request) string {
	back := r.URL.RequestURI()
	if param == "" || !LocalPath(back) {
		return loginURL
	}
	u, err := url.Parse(loginURL)
	if err != nil {
		return loginURL
	}
	q := u.Query()
	q.Set(param, back)
	u.RawQuery = q.Encode()
	return u.String()
}
