module github.com/session2/session2/cmd/sessionctl

go 1.23.0

require (
	github.com/go-sql-driver/mysql v1.9.3
	github.com/lib/pq v1.10.9
	github.com/session2/session2/core v0.0.0
	github.com/session2/session2/stores/boltstore v0.0.0
	github.com/session2/session2/stores/filestore v0.0.0
	github.com/session2/session2/stores/memstore v0.0.0
	github.com/session2/session2/stores/mysqlstore v0.0.0
	github.com/session2/session2/stores/postgresstore v0.0.0
)

require (
	filippo.io/edwards25519 v1.1.0 // indirect
	github.com/jmoiron/sqlx v1.4.0 // indirect
	github.com/session2/session2/stores/sqlstore v0.0.0 // indirect
	go.etcd.io/bbolt v1.4.3 // indirect
	golang.org/x/sys v0.29.0 // indirect
)

replace (
	github.com/session2/session2/conformance => ../../conformance
	github.com/session2/session2/core => ../../core
	github.com/session2/session2/stores/boltstore => ../../stores/boltstore
	github.com/session2/session2/stores/filestore => ../../stores/filestore
	github.com/session2/session2/stores/memstore => ../../stores/memstore
	github.com/session2/session2/stores/mysqlstore => ../../stores/mysqlstore
	github.com/session2/session2/stores/postgresstore => ../../stores/postgresstore
	github.com/session2/session2/stores/sqlstore => ../../stores/sqlstore
)
