package conformance

import (
	"net/http"
	"strings"
	"testing"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/memstore"
)

// Route is one endpoint of the application TestAdapter drives. The adapter
// serves it on its router at Method and Path, behind its session
// middleware, and calls Handle with the session its own getter returns.
type Route struct {
	Method string // "GET" or "POST"
	Path   string // a path such as "/set", or with a {name} wildcard (see ColonPattern)
	// Handle serves the route with the session the adapter's getter returned.
	Handle func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map])
}

// Routes is the application TestAdapter drives.
type Routes []Route

// ColonPattern returns path with its {name} wildcards (ServeMux's and
// chi's syntax) written :name, for routers such as gin and echo:
// "/hooks/{provider}" becomes "/hooks/:provider".
func ColonPattern(path string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(path, '{')
		j := strings.IndexByte(path, '}')
		if i < 0 || j < i {
			b.WriteString(path)
			return b.String()
		}
		b.WriteString(path[:i])
		b.WriteString(":" + path[i+1:j])
		path = path[j+1:]
	}
}

// NewAdapterFunc builds the router under test: the adapter's middleware
// for m, and every route of routes on the adapter's router.
type NewAdapterFunc func(t *testing.T, m *session.Manager[session.Map], routes Routes) http.Handler

// NetHTTP is the NewAdapterFunc of the core's own net/http middleware:
// the routes on an [http.ServeMux] behind [session.Manager.Handler], with
// no router but the standard library's. A store's tests pass it to
// [TestAdapterOn] to run the whole request lifecycle over the store
// without depending on any router module.
func NetHTTP(t *testing.T, m *session.Manager[session.Map], routes Routes) http.Handler {
	mux := http.NewServeMux()
	for _, rt := range routes {
		mux.HandleFunc(rt.Method+" "+rt.Path, func(w http.ResponseWriter, r *http.Request) {
			rt.Handle(w, r, m.Get(r))
		})
	}
	return m.Handler(mux)
}

// TestAdapter checks that an adapter puts a router in front of the core's
// session lifecycle without changing it. It drives the handler newHandler
// builds through a real HTTP server, with one named subtest per property.
//
// The routes, all answering 200 text/plain unless said otherwise:
//
//	GET  /nothing        touches nothing
//	GET  /get?key=K      writes the value of K (a string), or nothing
//	GET  /set?key=K&value=V  sets K to V, writes "ok"
//	GET  /user           writes the session's user
//	POST /login?user=U   SetUser(U)
//	POST /renew          Renew
//	POST /logout         Destroy
//	GET  /stream         sets "streamed", then writes and flushes chunks
//	GET  /panic          sets "panicked", then panics
//	GET  /fail           sets "failed", then answers 500
//	GET  /late           writes the body, then sets "late"
//	GET  /panic-late     sets "panicked-late", writes and flushes, then panics
//	GET  /hijack         sets "hijacked", hijacks the connection and writes
//	                     its own 200 response with the session's Set-Cookie
//	GET  /headers        sets "headers" and answers 302 with a Location, its
//	                     own cookie and caching headers
//	GET  /hold?key=K&value=V  like /set, but waits for the test between
//	                     loading the session and changing it
//	GET  /hold?action=renew   the same, calling Renew instead
//
// The adapter's handler may add its framework's usual middleware (such as
// a recovery middleware that turns panics into 500 responses).
func TestAdapter(t *testing.T, newHandler NewAdapterFunc) {
	t.Helper()
	TestAdapterOn(t, func(t *testing.T) session.Store {
		ms := memstore.New(memstore.WithSweepInterval(0))
		t.Cleanup(func() { ms.Close() })
		return ms
	}, newHandler)
}

// TestAdapterOn is TestAdapter with the sessions kept in the stores that
// newStore returns (one per subtest, set up, with its own cleanup), so that
// a store can show it works behind the whole request lifecycle.
func TestAdapterOn(t *testing.T, newStore func(t *testing.T) session.Store, newHandler NewAdapterFunc) {
	t.Helper()
	testAdapterOn(t, newStore, newHandler, "")
}

// TestAdapterHeaderToken is TestAdapter in header-token mode: the manager
// is built with session.WithHeaderToken("Authorization"), so the clients
// send "Authorization: Bearer <token>" and take new tokens from the
// X-Session-Token response header, and no cookie may be set. The
// properties are those of TestAdapter, with the cookie's own
// (CookieAttributes, BadCookies) replaced by the header's
// (TokenHeaderAttributes, BadTokenHeaders). Every adapter runs both.
func TestAdapterHeaderToken(t *testing.T, newHandler NewAdapterFunc) {
	t.Helper()
	TestAdapterOnHeaderToken(t, func(t *testing.T) session.Store {
		ms := memstore.New(memstore.WithSweepInterval(0))
		t.Cleanup(func() { ms.Close() })
		return ms
	}, newHandler)
}

// TestAdapterOnHeaderToken is TestAdapterHeaderToken with the sessions kept
// in the stores that newStore returns.
func TestAdapterOnHeaderToken(t *testing.T, newStore func(t *testing.T) session.Store, newHandler NewAdapterFunc) {
	t.Helper()
	testAdapterOn(t, newStore, newHandler, "Authorization")
}

// testAdapterOn runs the properties, in header-token mode when header
// names the token's request header.
func testAdapterOn(t *testing.T, newStore func(t *testing.T) session.Store, newHandler NewAdapterFunc, header string) {
	t.Helper()
	if newStore == nil || newHandler == nil {
		t.Fatal("conformance: TestAdapterOn: newStore or newHandler is nil")
	}
	for _, p := range adapterProperties {
		if header != "" {
			switch p.name {
			case "CookieAttributes":
				p = adapterProperty{"TokenHeaderAttributes", testTokenHeaderAttributes}
			case "BadCookies":
				p = adapterProperty{"BadTokenHeaders", testBadCookies}
			}
		}
		t.Run(p.name, func(t *testing.T) {
			p.test(t, func(t *testing.T, opts ...session.Option) *app {
				t.Helper()
				if header != "" {
					opts = append(opts, session.WithHeaderToken(header))
				}
				return startApp(t, newStore(t), newHandler, opts...)
			})
		})
	}
}

// appFunc starts the application under test for one subtest, on a fresh
// store, with the manager options given.
type appFunc func(t *testing.T, opts ...session.Option) *app

type adapterProperty struct {
	name string
	test func(t *testing.T, newApp appFunc)
}

// adapterProperties lists the properties in the order they run. Names are
// the subtest names, so keep them stable: adapters' CI may select them.
var adapterProperties = []adapterProperty{
	{"AnonymousUntouched", testAnonymousUntouched},
	{"CookieAttributes", testCookieAttributes},
	{"PersistAcrossRequests", testPersistAcrossRequests},
	{"SetUserRenews", testSetUserRenews},
	{"Renew", testRenew},
	{"DestroyDeletesAndRevokes", testDestroyDeletesAndRevokes},
	{"IdleExpiry", testIdleExpiry},
	{"AbsoluteExpiry", testAbsoluteExpiry},
	{"PanicSavesNothing", testPanicSavesNothing},
	{"ServerErrorSavesNothing", testServerErrorSavesNothing},
	{"StreamingGetsItsCookie", testStreamingGetsItsCookie},
	{"WriteBeforeTouch", testWriteBeforeTouch},
	{"ConcurrentWritesMerge", testConcurrentWritesMerge},
	{"LogoutRacesWrite", testLogoutRacesWrite},
	{"RenewRacesWrite", testRenewRacesWrite},
	{"RenewRacesLogout", testRenewRacesLogout},
	{"FailedCommitDropsHandlerHeaders", testFailedCommitDropsHandlerHeaders},
	{"LogoutAfterTombstone", testLogoutAfterTombstone},
	{"StoreFailureOnLoad", testStoreFailureOnLoad},
	{"StoreHangsOnLoad", testStoreHangsOnLoad},
	{"PanicAfterFirstByteSaves", testPanicAfterFirstByteSaves},
	{"LateChangeReported", testLateChangeReported},
	{"HijackCommits", testHijackCommits},
	{"BadCookies", testBadCookies},
	{"RememberMe", testRememberMe},
}
