package boltstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/session2/session2/core/session"
	"go.etcd.io/bbolt"
)

// DefaultSetupTimeout is how long [Store.Setup] waits when its context
// has no deadline: for a write transaction of the application's that holds
// the database, or for a disk that does not answer.
const DefaultSetupTimeout = 30 * time.Second

// setupTimeout is DefaultSetupTimeout, shortened by tests.
var setupTimeout = DefaultSetupTimeout

// Setup creates the store's buckets when missing and records the schema
// version. It is idempotent, never changes a record, and fails on a
// database written by a newer schema.
//
// When ctx has no deadline (as in [New] and [Open]), Setup gives up after
// [DefaultSetupTimeout]; a write transaction it still waits for then runs
// in the background when it can. Pass a context with a deadline to choose
// another bound.
func (s *Store) Setup(ctx context.Context) error {
	if err := s.check(ctx, "setup"); err != nil {
		return err
	}
	err := session.RunBounded(ctx, setupTimeout, func(context.Context) error { return s.setup() })
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		err = fmt.Errorf("no write transaction within the deadline (another one holds the database, or the disk does not answer): %w", err)
	}
	return wrap("setup", err)
}

// setup is Setup's transaction.
func (s *Store) setup() error {
	return s.db.Update(func(tx *bbolt.Tx) error {
		top, err := tx.CreateBucketIfNotExists(s.name)
		if err != nil {
			return err
		}
		for _, name := range [][]byte{bucketMeta, bucketRecords, bucketExpiry, bucketUsers} {
			if _, err := top.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("bucket %s: %w", name, err)
			}
		}
		meta := top.Bucket(bucketMeta)
		if meta.Get(metaSchema) == nil {
			return meta.Put(metaSchema, binary.BigEndian.AppendUint32(nil, schemaVersion))
		}
		return s.checkSchema(tx)
	})
}

func (s *Store) checkSchema(tx *bbolt.Tx) error {
	top := tx.Bucket(s.name)
	if top == nil || top.Bucket(bucketMeta) == nil {
		return errNoBuckets
	}
	if _, err := s.buckets(tx); err != nil {
		return err
	}
	v := top.Bucket(bucketMeta).Get(metaSchema)
	if len(v) != 4 {
		return fmt.Errorf("unreadable schema version in bucket %q", s.name)
	}
	if n := binary.BigEndian.Uint32(v); n != schemaVersion {
		return fmt.Errorf("bucket %q has schema version %d, this package knows only %d", s.name, n, schemaVersion)
	}
	return nil
}
