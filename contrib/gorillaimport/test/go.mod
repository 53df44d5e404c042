module github.com/session2/session2/contrib/gorillaimport/test

go 1.23.0

require (
	github.com/gorilla/securecookie v1.1.2
	github.com/gorilla/sessions v1.4.0
	github.com/session2/session2/contrib/gorillaimport v0.1.0
	github.com/session2/session2/core v0.1.0
)
