module github.com/session2/session2/stores/filestore

go 1.23.0
