module github.com/session2/session2/examples

go 1.23.0
