module github.com/session2/session2/stores/memstore

go 1.23.0
