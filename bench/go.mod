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
	gonum.org/v1/plot v0.15.2
)

require (
	codeberg.org/go-fonts/liberation v0.4.1 // indirect
	codeberg.org/go-latex/latex v0.0.1 // indirect
	codeberg.org/go-pdf/fpdf v0.10.0 // indirect
	filippo.io/edwards25519 v1.1.0 // indirect
	git.sr.ht/~sbinet/gg v0.6.0 // indirect
	github.com/ajstarks/svgo v0.0.0-20211024235047-1546f124cd8b // indirect
	github.com/campoy/embedmd v1.0.0 // indirect
	github.com/golang/freetype v0.0.0-20170609003504-e2365dfdc4a0 // indirect
	github.com/gorilla/securecookie v1.1.2 // indirect
	github.com/jmoiron/sqlx v1.4.0 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
	github.com/session2/session2/conformance v0.1.0 // indirect
	golang.org/x/image v0.24.0 // indirect
	golang.org/x/sys v0.30.0 // indirect
	golang.org/x/text v0.22.0 // indirect
)
