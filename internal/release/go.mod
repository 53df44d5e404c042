module github.com/session2/session2/internal/release

go 1.23.0

require (
	golang.org/x/exp v0.0.0-20250228200357-dead58393ab7
	golang.org/x/mod v0.23.0
	golang.org/x/tools v0.30.0
)

require golang.org/x/sync v0.11.0 // indirect
