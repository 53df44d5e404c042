module github.com/session2/session2/conformance

go 1.23.0
