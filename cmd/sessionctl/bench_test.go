package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/memstore"
)

// benchStore fills s with n sessions of 50 users, a tenth of them expired.
func benchStore(b *testing.B, s session.Store, n int) {
	b.Helper()
	now := time.Now()
	data := jsonData(`{"counter":1,"cart":["tea","milk"]}`)
	for i := range n {
		var k [32]byte
		copy(k[:], fmt.Sprintf("%032d", i))
		exp := now.Add(time.Hour)
		if i%10 == 0 {
			exp = now.Add(-time.Hour)
		}
		rec := session.Record{User: fmt.Sprintf("user%d", i%50), Data: data, Created: now, Accessed: now, Expires: exp}
		if err := s.Save(context.Background(), fmt.Sprintf("%x", k), rec); err != nil {
			b.Fatal(err)
		}
	}
}

func benchApp(s session.Store) *app {
	a := testApp()
	a.openStore = func(context.Context, string) (session.Store, error) { return nopClose{s}, nil }
	a.stdout, a.stderr = io.Discard, io.Discard
	return a
}

// BenchmarkMemory runs the listing commands over 10,000 sessions in memory:
// the cost of sessionctl itself over a fast store.
func BenchmarkMemory(b *testing.B) {
	s := memstore.New(memstore.WithSweepInterval(0))
	defer s.Close()
	benchStore(b, s, 10000)
	for _, bc := range []struct {
		name string
		args []string
	}{{"ls", []string{"ls", "-all"}}, {"ls-json", []string{"ls", "-json", "-all"}}, {"stats", []string{"stats"}}} {
		args := bc.args
		b.Run(bc.name, func(b *testing.B) {
			for range b.N {
				if code := benchApp(s).run(context.Background(), append([]string{"-store", "memory:"}, args...)); code != 0 {
					b.Fatal(code)
				}
			}
		})
	}
}

// BenchmarkFileGC prunes 200 expired sessions out of 2,000 in a file
// store, opened by URL as cron would.
func BenchmarkFileGC(b *testing.B) {
	for range b.N {
		b.StopTimer()
		url := "file:" + filepath.Join(b.TempDir(), "s") + "?sweep=0"
		s, err := session.OpenStore(context.Background(), url)
		if err != nil {
			b.Fatal(err)
		}
		benchStore(b, s, 2000)
		s.Close()
		a := testApp()
		a.stdout, a.stderr = io.Discard, io.Discard
		b.StartTimer()
		if code := a.run(context.Background(), []string{"-store", url, "gc"}); code != 0 {
			b.Fatal(code)
		}
	}
}
