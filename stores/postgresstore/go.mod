module github.com/session2/session2/stores/postgresstore

go 1.23.0

require (
	github.com/jmoiron/sqlx v1.4.0
	github.com/session2/session2/core v0.1.0
	github.com/session2/session2/stores/sqlstore v0.1.0
)

require (
	github.com/lib/pq v1.10.9
	github.com/session2/session2/conformance v0.1.0 // indirect
	github.com/session2/session2/stores/memstore v0.1.0 // indirect
)
