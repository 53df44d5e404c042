// Package migrating holds the session2 side of MIGRATING.md, at the
// repository's root, as examples that run with go test: each Example
// function is one row of the tables that map calls of alexedwards/scs,
// gorilla/sessions, gin-contrib/sessions and echo-contrib/session to
// session2's. The old libraries' side is shown as text in MIGRATING.md
// only, so that this module does not depend on them. The folder scsport
// holds a small scs app ported to session2, with its tests.
package migrating
