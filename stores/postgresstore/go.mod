module github.com/session2/session2/stores/postgresstore

go 1.23.0
