module github.com/session2/session2/cmd/sessionctl

go 1.23.0
