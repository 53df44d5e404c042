module github.com/session2/session2/bench

go 1.23.0

require (
	github.com/alexedwards/scs/v2 v2.9.0
	github.com/gorilla/sessions v1.4.0
	github.com/session2/session2/core v0.0.0
	github.com/session2/session2/stores/memstore v0.0.0
)

require github.com/gorilla/securecookie v1.1.2 // indirect

replace (
	github.com/session2/session2/conformance => ../conformance
	github.com/session2/session2/core => ../core
	github.com/session2/session2/stores/memstore => ../stores/memstore
)
