module github.com/session2/session2/adapters/chi

go 1.23.0

require (
	github.com/go-chi/chi/v5 v5.2.3
	github.com/session2/session2/conformance v0.1.0
	github.com/session2/session2/core v0.1.0
	github.com/session2/session2/stores/memstore v0.1.0
)
