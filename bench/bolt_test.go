package bench

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	scsbolt "github.com/alexedwards/scs/boltstore"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/boltstore"
	"go.etcd.io/bbolt"
)

// The BenchmarkBolt* benchmarks run the same three shapes on boltstore and on
// github.com/alexedwards/scs/boltstore, each on a file of its own holding
// 10,000 sessions of 200 bytes: Load (scs: Find), Save, an update with
// compare-and-set (scs: Commit, an upsert), and Touch (scs has none: Commit
// of the same data with the new expiry). The "sync" variants fsync every
// write, as both stores do by default; the "nosync" ones open bbolt with
// NoSync to show the cost of the store's own code.

const boltRecords = 10000

var boltData = bytes.Repeat([]byte("d"), 200)

func boltKeys() []string {
	keys := make([]string, boltRecords)
	for i := range keys {
		keys[i] = fmt.Sprintf("%064x", i*7919)
	}
	return keys
}

func boltRecord(now time.Time) session.Record {
	return session.Record{User: "user@example.com", Data: boltData, Created: now, Accessed: now, Expires: now.Add(time.Hour)}
}

// boltDB opens a bbolt file; writes fsync unless nosync.
func boltDB(b *testing.B, nosync bool) *bbolt.DB {
	b.Helper()
	db, err := bbolt.Open(filepath.Join(b.TempDir(), "bench.db"), 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	db.NoSync = nosync
	return db
}

// boltOurs returns this store filled with the bench records.
func boltOurs(b *testing.B, nosync bool) (*boltstore.Store, []string) {
	b.Helper()
	db := boltDB(b, nosync)
	s, err := boltstore.New(db)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	keys := boltKeys()
	db.NoSync = true // filling is not measured
	now := time.Now()
	for _, k := range keys {
		if err := s.Save(context.Background(), k, boltRecord(now)); err != nil {
			b.Fatal(err)
		}
	}
	db.NoSync = nosync
	return s, keys
}

// boltTheirs returns scs's bbolt store filled with the bench records.
func boltTheirs(b *testing.B, nosync bool) (*scsbolt.BoltStore, []string) {
	b.Helper()
	db := boltDB(b, nosync)
	s := scsbolt.NewWithCleanupInterval(db, time.Minute)
	b.Cleanup(s.StopCleanup)
	keys := boltKeys()
	db.NoSync = true
	exp := time.Now().Add(time.Hour)
	for _, k := range keys {
		if err := s.Commit(k, boltData, exp); err != nil {
			b.Fatal(err)
		}
	}
	db.NoSync = nosync
	return s, keys
}

var syncModes = []struct {
	name   string
	nosync bool
}{{"sync", false}, {"nosync", true}}

func BenchmarkBoltLoad(b *testing.B) {
	ctx := context.Background()
	b.Run("session2", func(b *testing.B) {
		s, keys := boltOurs(b, false)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := s.Load(ctx, keys[i%len(keys)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("scs", func(b *testing.B) {
		s, keys := boltTheirs(b, false)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, ok, err := s.Find(keys[i%len(keys)]); err != nil || !ok {
				b.Fatal(ok, err)
			}
		}
	})
}

func BenchmarkBoltSave(b *testing.B) {
	ctx := context.Background()
	for _, m := range syncModes {
		b.Run("session2/"+m.name, func(b *testing.B) {
			s, keys := boltOurs(b, m.nosync)
			now := time.Now()
			rec := boltRecord(now)
			versions := make([]uint64, len(keys))
			for i := range versions {
				versions[i] = 1
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				k := i % len(keys)
				rec.Version = versions[k]
				rec.Expires = now.Add(time.Hour + time.Duration(i)) // a sliding expiry, as with an idle timeout
				if err := s.Save(ctx, keys[k], rec); err != nil {
					b.Fatal(err)
				}
				versions[k]++
			}
		})
		b.Run("scs/"+m.name, func(b *testing.B) {
			s, keys := boltTheirs(b, m.nosync)
			now := time.Now()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := s.Commit(keys[i%len(keys)], boltData, now.Add(time.Hour+time.Duration(i))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkBoltTouch(b *testing.B) {
	ctx := context.Background()
	for _, m := range syncModes {
		b.Run("session2/"+m.name, func(b *testing.B) {
			s, keys := boltOurs(b, m.nosync)
			now := time.Now()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := s.Touch(ctx, keys[i%len(keys)], now, now.Add(time.Hour+time.Duration(i))); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("scs/"+m.name, func(b *testing.B) {
			s, keys := boltTheirs(b, m.nosync)
			now := time.Now()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := s.Commit(keys[i%len(keys)], boltData, now.Add(time.Hour+time.Duration(i))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
