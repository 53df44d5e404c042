module github.com/session2/session2/stores/memstore

go 1.23.0

require github.com/session2/session2/core v0.1.0
