module github.com/session2/session2/contrib/otelsession

go 1.23.0

require (
	github.com/session2/session2/conformance v0.1.0
	github.com/session2/session2/core v0.1.0
	github.com/session2/session2/stores/memstore v0.1.0
	go.opentelemetry.io/otel v1.38.0
	go.opentelemetry.io/otel/metric v1.38.0
	go.opentelemetry.io/otel/trace v1.38.0
)

require (
	github.com/go-logr/logr v1.4.3 // indirect
	github.com/go-logr/stdr v1.2.2 // indirect
	go.opentelemetry.io/auto/sdk v1.1.0 // indirect
)
