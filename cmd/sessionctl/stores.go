package main

// The stores sessionctl can open, each registering its URL scheme.
import (
	_ "github.com/session2/session2/stores/filestore"
	_ "github.com/session2/session2/stores/memstore"
)
