module github.com/session2/session2/stores/mysqlstore

go 1.23.0
