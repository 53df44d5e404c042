package migrating_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// browser sends requests to h and keeps the session cookie between them,
// as a browser does; it prints each answer.
type browser struct {
	h      http.Handler
	cookie *http.Cookie
}

// do sends method path and prints the status, the body and what happened
// to the cookie.
func (b *browser) do(method, path string) {
	req := httptest.NewRequest(method, path, nil)
	if b.cookie != nil {
		req.AddCookie(b.cookie)
	}
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	note := ""
	for _, ck := range res.Cookies() {
		switch {
		case ck.MaxAge < 0:
			b.cookie, note = nil, " [cookie deleted]"
		case ck.MaxAge > 0:
			b.cookie, note = ck, fmt.Sprintf(" [cookie set, Max-Age=%d]", ck.MaxAge)
		default:
			b.cookie, note = ck, " [cookie set]"
		}
	}
	fmt.Printf("%s %s: %d %s%s\n", method, path, res.StatusCode, strings.TrimSpace(string(body)), note)
}

// newManager is session.New on a store for tests, with the options given.
func newManager(opts ...session.Option) *session.Manager[session.Map] {
	mgr, err := session.New[session.Map](sessiontest.NewStore(), opts...)
	if err != nil {
		panic(err)
	}
	return mgr
}
