module github.com/session2/session2/stores/boltstore

go 1.23.0

require (
	github.com/session2/session2/core v0.0.0
	go.etcd.io/bbolt v1.4.3
)

require golang.org/x/sys v0.29.0 // indirect

replace github.com/session2/session2/core => ../../core
