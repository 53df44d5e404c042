module github.com/session2/session2/core

go 1.23.0
