module github.com/session2/session2/stores/boltstore

go 1.23.0

require (
	github.com/session2/session2/conformance v0.1.0
	github.com/session2/session2/core v0.1.0
	go.etcd.io/bbolt v1.4.3
)

require (
	github.com/session2/session2/stores/memstore v0.1.0 // indirect
	golang.org/x/sys v0.29.0 // indirect
)
