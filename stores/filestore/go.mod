module github.com/session2/session2/stores/filestore

go 1.23.0

require (
	github.com/session2/session2/conformance v0.1.0
	github.com/session2/session2/core v0.1.0
)

require github.com/session2/session2/stores/memstore v0.1.0 // indirect
