module github.com/session2/session2/adapters/chi

go 1.23.0
