package session

import "net/http"

// Challenge returns the WWW-Authenticate challenge for a 401 Unauthorized
// answer to r, a request without a logged-in session: the adapters'
// RequireUser sends it when it has no login page to redirect to. RFC 9110
// requires a 401 to carry at least one challenge.
//
// Behind a manager that reads the token from the Authorization header
// ([WithHeaderToken]("Authorization")) it is the Bearer challenge of
// RFC 6750:
//
//	Bearer realm="session"
//
// Otherwise (a cookie, or another token header) it is
//
//	Session realm="session"
//
// "Session" is not a registered scheme: it tells a client that a login
// (which sets the cookie or hands out the token) is needed, and browsers,
// which act only on the schemes they know, show no login dialog for it,
// as they would for Basic. The adapters' RequireUser takes a Challenge
// option to send another.
func Challenge(r *http.Request) string {
	if h, _ := r.Context().Value(tokenHeaderKey{}).(string); h == "Authorization" {
		return `Bearer realm="session"`
	}
	return `Session realm="session"`
}
