module github.com/session2/session2/adapters/gin

go 1.23.0
