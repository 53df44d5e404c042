// Package gorillaimport reads the sessions of github.com/gorilla/sessions,
// from its CookieStore and its FilesystemStore, with the application's
// securecookie keys, so that an application moving to session2 logs no one
// out: give the importer to [session.WithImporter], and a request that
// still carries gorilla's cookie becomes a session2 session under a fresh
// token, logged in, with its values.
//
//	imp, err := gorillaimport.CookieStore("app-session",
//		[][]byte{hashKey, blockKey}, gorillaimport.WithUserKey("user_id"))
//	mgr, err := session.New[session.Map](store,
//		session.WithImporter(imp, session.CopyValues))
//
// It needs github.com/gorilla/securecookie, not gorilla/sessions. The
// values are decoded as gorilla encoded them (gob by default): a value of
// the application's own type decodes only if the type is registered with
// gob.Register under the name the gorilla application used, as gorilla
// required too. A key that is not a string is imported under its fmt
// form; gorilla's flashes stay values under "_flash".
//
// A CookieStore session lives in the cookie itself: the importer deletes
// the cookie from the browser, but a copy of it imports again until its
// MaxAge ([WithMaxAge]) ends it, as gorilla accepted it until then.
package gorillaimport
