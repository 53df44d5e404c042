module github.com/session2/session2/stores/memstore

go 1.23.0

require (
	github.com/session2/session2/conformance v0.0.0
	github.com/session2/session2/core v0.0.0
)

replace (
	github.com/session2/session2/conformance => ../../conformance
	github.com/session2/session2/core => ../../core
)
