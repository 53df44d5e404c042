module github.com/session2/session2/adapters/echo

go 1.23.0
