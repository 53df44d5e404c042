module github.com/session2/session2/adapters/echo

go 1.23.0

require (
	github.com/labstack/echo/v4 v4.13.4
	github.com/session2/session2/conformance v0.1.0
	github.com/session2/session2/core v0.1.0
	github.com/session2/session2/stores/memstore v0.1.0
)

require (
	github.com/labstack/gommon v0.4.2 // indirect
	github.com/mattn/go-colorable v0.1.14 // indirect
	github.com/mattn/go-isatty v0.0.20 // indirect
	github.com/valyala/bytebufferpool v1.0.0 // indirect
	github.com/valyala/fasttemplate v1.2.2 // indirect
	golang.org/x/crypto v0.38.0 // indirect
	golang.org/x/net v0.40.0 // indirect
	golang.org/x/sys v0.33.0 // indirect
	golang.org/x/text v0.25.0 // indirect
	golang.org/x/time v0.11.0 // indirect
)
