module github.com/session2/session2/stores/boltstore

go 1.23.0

require (
	github.com/alexedwards/scs/boltstore v0.0.0-20240316134038-7e11d57e8885
	github.com/go-chi/chi/v5 v5.2.3
	github.com/session2/session2/adapters/chi v0.0.0
	github.com/session2/session2/conformance v0.0.0
	github.com/session2/session2/core v0.0.0
	go.etcd.io/bbolt v1.4.3
)

require (
	github.com/session2/session2/stores/memstore v0.0.0 // indirect
	golang.org/x/sys v0.29.0 // indirect
)

replace (
	github.com/session2/session2/adapters/chi => ../../adapters/chi
	github.com/session2/session2/conformance => ../../conformance
	github.com/session2/session2/core => ../../core
	github.com/session2/session2/stores/memstore => ../memstore
)
