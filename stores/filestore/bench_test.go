//go:build unix && !aix && (!solaris || illumos)

package filestore_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
)

// benchDir is where the benchmarks put their store: a fresh directory
// under $SESSION2_FILESTORE_BENCH_DIR when set (to measure a particular
// file system; fsync costs differ widely), else under the test's temp dir.
func benchDir(b *testing.B) string {
	b.Helper()
	if root := os.Getenv("SESSION2_FILESTORE_BENCH_DIR"); root != "" {
		d, err := os.MkdirTemp(root, "filestore-bench-")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { os.RemoveAll(d) })
		return d
	}
	return b.TempDir()
}

// benchRecord is a session of 200 bytes of data with a user.
func benchRecord() session.Record {
	r := liveRec("user@example.com", "")
	r.Data = payload(0, 200)
	return r
}

// BenchmarkLoad: one Load of a 200-byte session (no lock taken).
func BenchmarkLoad(b *testing.B) {
	ctx := context.Background()
	s, _ := open(b, benchDir(b))
	key := newKey(b)
	mustSave(b, s, key, benchRecord())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Load(ctx, key); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSave: one compare-and-set update of a 200-byte session,
// including its two fsyncs (the new file and the directory).
func BenchmarkSave(b *testing.B) {
	ctx := context.Background()
	s, _ := open(b, benchDir(b))
	key := newKey(b)
	rec := benchRecord()
	mustSave(b, s, key, rec)
	rec.Version = 1
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Save(ctx, key, rec); err != nil {
			b.Fatal(err)
		}
		rec.Version++
	}
}

// BenchmarkTouch: one Touch (a 40-byte slot rewritten in place under the
// record lock, no fsync).
func BenchmarkTouch(b *testing.B) {
	ctx := context.Background()
	s, _ := open(b, benchDir(b))
	key := newKey(b)
	rec := benchRecord()
	mustSave(b, s, key, rec)
	exp := rec.Expires
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Touch(ctx, key, rec.Accessed, exp.Add(time.Duration(i))); err != nil {
			b.Fatal(err)
		}
	}
}
