module github.com/session2/session2/examples

go 1.23.0

require (
	github.com/chromedp/chromedp v0.13.7
	github.com/session2/session2/adapters/chi v0.0.0
	github.com/session2/session2/core v0.0.0
	github.com/session2/session2/stores/boltstore v0.0.0
	github.com/session2/session2/stores/filestore v0.0.0
	github.com/session2/session2/stores/memstore v0.0.0
)

require (
	github.com/chromedp/cdproto v0.0.0-20250403032234-65de8f5d025b // indirect
	github.com/chromedp/sysutil v1.1.0 // indirect
	github.com/go-json-experiment/json v0.0.0-20250211171154-1ae217ad3535 // indirect
	github.com/gobwas/httphead v0.1.0 // indirect
	github.com/gobwas/pool v0.2.1 // indirect
	github.com/gobwas/ws v1.4.0 // indirect
)

require (
	github.com/go-chi/chi/v5 v5.2.3
	go.etcd.io/bbolt v1.4.3 // indirect
	golang.org/x/sys v0.29.0 // indirect
)

replace (
	github.com/session2/session2/adapters/chi => ../adapters/chi
	github.com/session2/session2/conformance => ../conformance
	github.com/session2/session2/core => ../core
	github.com/session2/session2/stores/boltstore => ../stores/boltstore
	github.com/session2/session2/stores/filestore => ../stores/filestore
	github.com/session2/session2/stores/memstore => ../stores/memstore
)
