module github.com/session2/session2/stores/filestore

go 1.23.0

require (
	github.com/go-chi/chi/v5 v5.2.3
	github.com/session2/session2/adapters/chi v0.0.0
	github.com/session2/session2/conformance v0.0.0
	github.com/session2/session2/core v0.0.0
)

require github.com/session2/session2/stores/memstore v0.0.0 // indirect

replace (
	github.com/session2/session2/adapters/chi => ../../adapters/chi
	github.com/session2/session2/conformance => ../../conformance
	github.com/session2/session2/core => ../../core
	github.com/session2/session2/stores/memstore => ../memstore
)
