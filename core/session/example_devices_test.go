package session_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// A "your devices" page lists the user's sessions and signs one out; the
// cap per user signs out the oldest on a login over it.
func ExampleManager_UserSessions() {
	mgr, err := session.New[session.Map](sessiontest.NewStore(),
		session.WithDeviceInfo(), session.WithMaxSessionsPerUser(2))
	if err != nil {
		panic(err)
	}
	login := mgr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mgr.Get(r).SetUser("ann")
	}))
	for _, agent := range []string{"phone", "laptop", "tablet"} {
		req := httptest.NewRequest("POST", "/login", nil)
		req.Header.Set("User-Agent", agent)
		login.ServeHTTP(httptest.NewRecorder(), req)
	}

	ctx := context.Background()
	devices, _ := mgr.UserSessions(ctx, "ann")
	for _, d := range devices {
		fmt.Println(d.UserAgent)
	}
	// The "sign out" button of one device posts its ID.
	err = mgr.RevokeSession(ctx, "ann", devices[0].ID)
	fmt.Println("revoked:", err == nil)
	devices, _ = mgr.UserSessions(ctx, "ann")
	fmt.Println(len(devices), "left")
	n, _ := mgr.LogoutUser(ctx, "ann") // "log out everywhere"
	fmt.Println(n, "signed out")
	// Unordered output:
	// laptop
	// tablet
	// revoked: true
	// 1 left
	// 1 signed out
}
