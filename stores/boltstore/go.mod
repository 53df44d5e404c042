module github.com/session2/session2/stores/boltstore

go 1.23.0
