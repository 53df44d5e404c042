module github.com/session2/session2/cmd/sessionctl

go 1.23.0

require (
	github.com/go-sql-driver/mysql v1.9.3
	github.com/lib/pq v1.10.9
	github.com/redis/go-redis/v9 v9.18.0
	github.com/session2/session2/contrib/scsimport v0.1.0
	github.com/session2/session2/core v0.1.0
	github.com/session2/session2/stores/boltstore v0.1.0
	github.com/session2/session2/stores/filestore v0.1.0
	github.com/session2/session2/stores/memstore v0.1.0
	github.com/session2/session2/stores/mysqlstore v0.1.0
	github.com/session2/session2/stores/postgresstore v0.1.0
	github.com/session2/session2/stores/redisstore v0.1.0
)

require (
	filippo.io/edwards25519 v1.1.0 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/dgryski/go-rendezvous v0.0.0-20200823014737-9f7001d12a5f // indirect
	github.com/jmoiron/sqlx v1.4.0 // indirect
	github.com/session2/session2/stores/sqlstore v0.1.0 // indirect
	go.etcd.io/bbolt v1.4.3 // indirect
	go.uber.org/atomic v1.11.0 // indirect
	golang.org/x/sys v0.29.0 // indirect
)
