package redisstore_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/session2/session2/core/session"
)

// BenchmarkScan measures List and Prune without a user, which SCAN the
// store, over stores of n sessions on a private redis-server it starts
// (the shared server's key table may be large and sparse from others'
// tests, which slows every SCAN of it): the time per stored session, and
// the most heap the process held above what it held before (sampled every
// 5 ms), which the batch size bounds whatever n:
//
//	go test -run '^$' -bench Scan -benchtime 1x
func BenchmarkScan(b *testing.B) {
	serverOptions(b) // run with the other Redis tests
	srv := startServer(b)
	c := redis.NewClient(&redis.Options{Addr: srv.addr})
	b.Cleanup(func() { c.Close() })
	for _, n := range []int{1000, 10000, 50000} {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			s := newStore(b, c)
			ctx := context.Background()
			fill(b, s, n)
			cutoff := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
			b.Run("op=List", func(b *testing.B) {
				var peak int64
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					stop := sampleHeap(&peak)
					seen := 0
					for _, err := range s.List(ctx, session.Filter{AccessedBefore: cutoff}) {
						if err != nil {
							b.Fatal(err)
						}
						seen++
					}
					stop()
					if seen != 0 {
						b.Fatalf("List matched %d", seen)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/session")
				b.ReportMetric(float64(peak)/1024, "peak-heap-KiB")
			})
			b.Run("op=Prune", func(b *testing.B) {
				var peak int64
				deleted := 0
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if i > 0 {
						b.StopTimer()
						fill(b, s, n)
						b.StartTimer()
					}
					stop := sampleHeap(&peak)
					d, err := s.Prune(ctx, session.Filter{AccessedBefore: time.Now().Add(time.Hour)})
					stop()
					if err != nil {
						b.Fatal(err)
					}
					deleted += d
				}
				if deleted != b.N*n {
					b.Fatalf("Prune deleted %d, want %d", deleted, b.N*n)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/session")
				b.ReportMetric(float64(peak)/1024, "peak-heap-KiB")
			})
		})
	}
}

// fill saves n anonymous sessions of 200 bytes into s.
func fill(b *testing.B, s session.Store, n int) {
	b.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	data := string(make([]byte, 200))
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				if err := s.Save(context.Background(), newKey(b), live("", data)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

// sampleHeap records in peak the most heap allocated above the current
// amount until stop is called.
func sampleHeap(peak *int64) (stop func()) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := int64(ms.HeapAlloc)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				if d := int64(ms.HeapAlloc) - base; d > *peak {
					*peak = d
				}
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
