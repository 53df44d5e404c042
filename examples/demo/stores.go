package main

// The stores the demo can open with -store, each registering its URL scheme
// with session.RegisterStore when imported.
import (
	_ "github.com/session2/session2/stores/boltstore"
	_ "github.com/session2/session2/stores/filestore"
	_ "github.com/session2/session2/stores/memstore"
)
