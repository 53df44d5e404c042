// Package boltstore is a [session.Store] in a bbolt database file
// (go.etcd.io/bbolt): sessions survive a restart with no server to run, the
// role session2's shelve and Durus stores played.
//
// Build one with [New] from an application's *bbolt.DB, or with [Open] from
// a path, or through the store registry as "bolt:PATH" once this package is
// imported:
//
//	store, err := session.OpenStore(ctx, "bolt:/var/lib/app/sessions.db")
//
// # Layout
//
// Inside one top-level bucket (see [WithBucket]) the store keeps a bucket of
// records and two index buckets, written in the same transaction as the
// record they describe: expiry (the expiry time, big-endian, then the key)
// and users (the user, a zero byte, then the key). Prune by expiry and the
// sweeper read only the expired part of the expiry index; Prune by user reads
// only that user's entries. Save's compare-and-set runs inside one bbolt
// write transaction, and every byte handed to a caller is copied out of the
// transaction first.
//
// # Limits
//
// bbolt locks the file for one process: the store is safe for the
// goroutines of that process only. A second [Open] of the same file fails
// with an error wrapping [ErrLocked] after the open timeout. Every write is
// one bbolt transaction, which is one fsync of the file: write throughput is
// bounded by the disk's fsync rate, reads are not.
package boltstore
