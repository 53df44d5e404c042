module github.com/session2/session2/bench

go 1.23.0
