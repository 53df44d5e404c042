// Package session is the framework-neutral core of session2 for Go:
// persistent HTTP sessions kept in a [Store], loaded and saved by a
// [Manager] that is also net/http middleware.
//
// # Getting started
//
//	store := memstore.New()
//	mgr, err := session.New[session.Map](store, session.WithExpiry(session.Expiry{Idle: 30 * time.Minute}))
//	if err != nil { ... }
//	http.ListenAndServe(":8080", mgr.Handler(mux))
//
// and in a handler:
//
//	s := mgr.Get(r)
//	n, _ := s.Data().GetInt("counter")
//	s.Data().Set("counter", n+1)
//
// # Sessions
//
// A [Session] holds the application's data (any type T: a struct whose
// exported fields are saved, or a [Map]), a user, form tokens, flash
// messages, and its creation and access times. Change the data in place;
// the manager compares encodings to find out what changed.
//
// A session without info (no user, zero data, no tokens or flashes) is never
// stored and sends no cookie. Session.SetUser and Session.Renew give the
// session a new token; Session.Destroy deletes it and revokes the cookie.
// [Manager.LogoutUser] ends every session of a user ("log out
// everywhere"), winning over renewals in flight; [Manager.UserSessions]
// lists a user's sessions for a "your devices" page and
// [Manager.RevokeSession] signs one out; [WithMaxSessionsPerUser] caps
// how many one user holds. Session.SetPersistent, Session.SetLifetime and
// Session.SetIdleTimeout override the manager's cookie persistence,
// lifetime and idle timeout for one session, and are stored with it;
// Session.Remember sets all three for "remember me for 30 days", which
// works with the default options ([Expiry] bounds how long a session may
// ask for).
//
// # API clients
//
// With [WithHeaderToken], the token travels in a request header
// (Authorization: Bearer <token>, or a named header) instead of a cookie,
// and a new or renewed token goes back in a response header, with the same
// checks, hashing, renewal and expiry. A browser script on another origin
// reads that response header only when the application's CORS middleware
// sends Access-Control-Expose-Headers: X-Session-Token (see
// [WithHeaderToken]). The package
// github.com/session2/session2/core/session/sessiontest helps test handlers
// in either mode.
//
// # The request lifecycle
//
// A request without a well-formed session cookie costs no store access.
// One with a cookie costs one Store.Load, bounded by the load timeout
// ([WithLoadTimeout], 3 seconds by default): a store that does not answer
// in time is a store failure, answered by the error handler (503) or, under
// [OutageAnonymous], by an anonymous session that writes nothing.
//
// The session is committed just before the response's first byte
// (WriteHeader, Write, Flush, Hijack or the handler's return, whichever
// comes first), never by buffering the body: one Store.Save when something
// changed, one Store.Touch at most once per touch interval when nothing
// did, and nothing otherwise. A handler that panics before the first byte,
// or a response with a 5xx status, saves nothing; a handler that panics
// after the first byte has already saved the session. Every response to a
// request that carried a session cookie, or whose handler looked up the
// session (Manager.Get, FromContext, an adapter's getter), has
// Vary: Cookie, anonymous or not.
//
// After the commit nothing more can be saved: SetUser, Renew and
// NewFormToken return [ErrCommitted], CheckFormToken answers false,
// Destroy deletes the session in the store at once, and any other change
// is lost and reported once per request with [EventLateChange] and a
// warning through the logger.
//
// A Hijack (a WebSocket upgrade) commits the session, but net/http never
// sends the header of a hijacked response: a cookie set by that commit (a
// new or renewed session) reaches the client only if the handler copies
// w.Header()["Set-Cookie"] into its own upgrade response.
//
// # Concurrent requests
//
// Saves are compare-and-set on the record's version. When another request
// saved the same session first, the manager reloads it and applies the
// top-level keys or fields this request changed onto the newer record, so
// concurrent requests that change different keys both persist. Merging is
// per top-level key or field: two requests that change one key (two
// increments of a counter, two changes inside one nested map) still race,
// and the later commit wins, reported by [EventOverwritten]. Changes made
// through Session.Update are not merged but replayed: the function runs
// again on the newer record, so such read-modify-writes compose.
//
// Within one process, the commits of one session take turns on a lock of
// that session alone, waited for no longer than the commit timeout
// ([WithCommitTimeout]); across processes, compare-and-set and merging
// alone keep every update. A session destroyed or renewed meanwhile is never
// recreated, and a logout or a Prune by user that races a renewal wins.
//
// # Adapters
//
// The net/http middleware is [Manager.Handler]. An adapter for another
// router calls [Manager.Begin], then [Exchange.Respond] from the hook that
// sends the response's header (it commits, or replaces the response with
// the error handler's, clearing the handler's headers), [Exchange.Finish]
// when the handler returned, and [Exchange.Abort] when it panicked. The
// adapters of this project (gin, echo, chi) hold no other session logic.
//
// # Stores
//
// A [Store] keeps [Record] values by key. The key is the SHA-256 of the
// cookie's token, so a store never holds a token that could be replayed.
// Stores register a URL scheme with [RegisterStore] and open by URL through
// [OpenStore]. Every store of this project passes the conformance suite of
// the package github.com/session2/session2/conformance.
//
// # Security
//
// Tokens are 32 bytes from crypto/rand. Cookies are HttpOnly, SameSite=Lax,
// Path=/, and Secure on TLS requests by default ([WithCookie] changes
// them); "__Host-" names are honoured. Responses that set or clear the cookie carry
// Cache-Control: no-store and Vary: Cookie. Idle timeout and absolute
// lifetime are enforced on the server. A cookie of the wrong shape never
// reaches the store, and an unknown token gets a fresh session with a new
// token.
//
// # CSRF protection
//
// The cross-origin check first, the per-session masked token for defence
// in depth and old browsers, single-use form tokens only for one-shot
// actions. [CrossOriginProtection] (the standard library's design), in
// front of the session middleware, is the defence: it refuses a browser's
// cross-site state-changing request before its session is loaded, and
// guards anonymous forms. [CSRF], behind it, checks the per-session token
// of [Session.CSRFToken], for defence in depth and for old browsers that
// send neither Sec-Fetch-Site nor Origin: one token per session, masked
// anew on every render, valid for the session's lifetime, rotated by
// SetUser and Renew:
//
//	handler := cop.Handler(mgr.Handler(csrf.Handler(mux)))
//
// The single-use form tokens ([Session.NewFormToken],
// [Session.CheckFormToken]) are for one-shot actions, a form that must not
// be submitted twice; they are not a CSRF layer of their own.
//
// # Where things live
//
// For a reader of the source, each job has its file:
//
//   - The manager: manager.go (New, Get, Error, and how failures are
//     logged); options.go (the options of New and their checks);
//     expiry.go (Expiry: when sessions end, a session's own settings
//     applied).
//   - The request lifecycle, in the order a request meets it:
//     middleware.go (the net/http middleware, and the writer that commits
//     before the first byte); exchange.go (Begin and the load, then
//     Respond, Commit, Abort and Finish); commit.go (the store writes of a
//     commit: create, update, touch, delete); renew.go (a renewal: the
//     tombstone, the new record, its confirmation and the revocation
//     check); merge.go (after a conflict: reload, merge per key, replay of
//     Update). Beside them, keylock.go (the lock of one session's commits
//     in this process) and boundedcontext.go (the deadline of the store
//     calls).
//   - The Store contract and the sentinel errors: store.go; opening a
//     store by URL: registry.go, and urlquery.go (a store URL's query as
//     options); the stores' background sweep of expired
//     records: sweeper.go; a Setup bounded in time: bounded.go.
//   - The stored bytes: envelope.go (the envelope around the data, the
//     per-session settings and flashes included); codec.go (JSONCodec,
//     GobCodec); token.go (tokens and store keys).
//   - What a handler uses: session.go (Session), settings.go (its own
//     persistence, lifetime, idle timeout and device), status.go (Status),
//     flash.go, formtoken.go; map.go (Map and its getters), mappop.go (the
//     Pop methods), maptyped.go (GetAs, and the tag that keeps []byte
//     values) and mapjson.go (its JSON parser and fast encoder).
//   - The token on the wire: cookie.go (Cookie, reading and writing the
//     cookie, Vary and Cache-Control); headertoken.go (the token in a
//     header); insecure.go (the warning for a Secure cookie over plain
//     HTTP).
//   - CSRF: crossorigin.go (CrossOriginProtection); csrf.go and
//     csrfbody.go (the per-session token, and reading it from a body).
//   - The helpers that decide: gate.go (RequireUser, CheckFormToken, and
//     the Refusal every check returns, with its answer); returnto.go
//     (the return-to page); challenge.go (the 401's challenge).
//   - Per-user revocations and devices: logout.go (LogoutUser); devices.go
//     (UserSessions, RevokeSession, the cap per user); revoke.go (the
//     revocation record that makes them win over renewals in flight).
//   - Taking over another library's sessions: import.go (WithImporter,
//     the Importer interface, and the import's steps in the load and the
//     commit); importcopy.go (ImportCopies: the copies an offline import
//     wrote into this store).
//   - Events: event.go. For adapters' getters: typename.go.
package session
