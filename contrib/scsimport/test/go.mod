module github.com/session2/session2/contrib/scsimport/test

go 1.23.0

require (
	github.com/alexedwards/scs/mysqlstore v0.0.0-20250417082927-ab20b3feb5e9
	github.com/alexedwards/scs/postgresstore v0.0.0-20251002162104-209de6e426de
	github.com/alexedwards/scs/redisstore v0.0.0-20251002162104-209de6e426de
	github.com/alexedwards/scs/v2 v2.9.0
	github.com/go-sql-driver/mysql v1.9.3
	github.com/gomodule/redigo v1.9.3
	github.com/lib/pq v1.10.9
	github.com/redis/go-redis/v9 v9.18.0
	github.com/session2/session2/contrib/scsimport v0.1.0
	github.com/session2/session2/core v0.1.0
	github.com/session2/session2/stores/postgresstore v0.1.0
	github.com/session2/session2/stores/redisstore v0.1.0
	github.com/session2/session2/stores/sqlstore v0.1.0
)

require (
	filippo.io/edwards25519 v1.1.0 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/dgryski/go-rendezvous v0.0.0-20200823014737-9f7001d12a5f // indirect
	github.com/jmoiron/sqlx v1.4.0 // indirect
	go.uber.org/atomic v1.11.0 // indirect
)
