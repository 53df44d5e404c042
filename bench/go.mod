module github.com/session2/session2/bench

go 1.23.0

require (
	github.com/alexedwards/scs/boltstore v0.0.0-20240316134038-7e11d57e8885
	github.com/alexedwards/scs/mysqlstore v0.0.0-20250417082927-ab20b3feb5e9
	github.com/alexedwards/scs/postgresstore v0.0.0-20251002162104-209de6e426de
	github.com/alexedwards/scs/v2 v2.9.0
	github.com/go-sql-driver/mysql v1.9.3
	github.com/gorilla/sessions v1.4.0
	github.com/lib/pq v1.10.9
	github.com/session2/session2/core v0.1.0
	github.com/session2/session2/stores/boltstore v0.1.0
	github.com/session2/session2/stores/filestore v0.1.0
	github.com/session2/session2/stores/memstore v0.1.0
	github.com/session2/session2/stores/mysqlstore v0.1.0
	github.com/session2/session2/stores/postgresstore v0.1.0
	github.com/session2/session2/stores/sqlstore v0.1.0
	go.etcd.io/bbolt v1.4.3
)

require (
	filippo.io/edwards25519 v1.1.0 // indirect
	github.com/gorilla/securecookie v1.1.2 // indirect
	github.com/jmoiron/sqlx v1.4.0 // indirect
	github.com/session2/session2/conformance v0.1.0 // indirect
	golang.org/x/sys v0.29.0 // indirect
)
