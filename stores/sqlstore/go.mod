module github.com/session2/session2/stores/sqlstore

go 1.23.0
