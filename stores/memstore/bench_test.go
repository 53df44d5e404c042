package memstore_test

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/memstore"
)

// benchRecord is a typical small session: 200 bytes of encoded data.
func benchRecord() session.Record {
	n := time.Now()
	return session.Record{
		User:     "user@example.com",
		Data:     bytes.Repeat([]byte("d"), 200),
		Created:  n,
		Accessed: n,
		Expires:  n.Add(time.Hour),
	}
}

// benchStore returns a store holding 10,000 records.
func benchStore(b *testing.B) (*memstore.Store, []string) {
	b.Helper()
	s := memstore.New()
	b.Cleanup(func() { s.Close() })
	keys := make([]string, 10000)
	for i := range keys {
		keys[i] = fmt.Sprintf("%064x", i)
		if err := s.Save(context.Background(), keys[i], benchRecord()); err != nil {
			b.Fatal(err)
		}
	}
	return s, keys
}

func BenchmarkLoad(b *testing.B) {
	s, keys := benchStore(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Load(ctx, keys[i%len(keys)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSave(b *testing.B) {
	s, keys := benchStore(b)
	ctx := context.Background()
	rec := benchRecord()
	versions := make([]uint64, len(keys))
	for i := range versions {
		versions[i] = 1
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := i % len(keys)
		rec.Version = versions[k]
		if err := s.Save(ctx, keys[k], rec); err != nil {
			b.Fatal(err)
		}
		versions[k]++
	}
}

func BenchmarkTouch(b *testing.B) {
	s, keys := benchStore(b)
	ctx := context.Background()
	n := time.Now()
	exp := n.Add(time.Hour)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Touch(ctx, keys[i%len(keys)], n, exp); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoadParallel(b *testing.B) {
	s, keys := benchStore(b)
	ctx := context.Background()
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int(next.Add(1)) * 7919
		for pb.Next() {
			if _, err := s.Load(ctx, keys[i%len(keys)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// BenchmarkCreateDelete is a login followed by a logout.
func BenchmarkCreateDelete(b *testing.B) {
	s := memstore.New()
	b.Cleanup(func() { s.Close() })
	ctx := context.Background()
	rec := benchRecord()
	key := fmt.Sprintf("%064x", 1)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Save(ctx, key, rec); err != nil {
			b.Fatal(err)
		}
		if err := s.Delete(ctx, key); err != nil {
			b.Fatal(err)
		}
	}
}
