//go:build unix && !aix && (!solaris || illumos)

package filestore_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
)

// FuzzRecordFile puts arbitrary bytes where a record file belongs: every
// method answers without panicking, and anything but a well-formed record
// of that very key is not found. Run it longer with
// go test -fuzz=FuzzRecordFile.
func FuzzRecordFile(f *testing.F) {
	key := "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	src, _ := open(f, f.TempDir())
	rec := liveRec("fuzz", "seed data")
	if err := src.Save(context.Background(), key, rec); err != nil {
		f.Fatal(err)
	}
	good, err := os.ReadFile(recPath(src, key))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:160])
	f.Add(good[:len(good)-1])
	f.Add([]byte{})
	f.Add([]byte("S2FS"))

	s, rep := open(f, f.TempDir())
	path := recPath(s, key)
	f.Fuzz(func(t *testing.T, b []byte) {
		ctx := context.Background()
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := s.Load(ctx, key)
		if err == nil {
			if got.User != "fuzz" && len(b) == len(good) {
				t.Logf("a valid record of %d bytes: user %q", len(b), got.User)
			}
		} else if !errors.Is(err, session.ErrNotFound) {
			t.Errorf("Load = %v, want nil or ErrNotFound", err)
		}
		now := time.Now()
		if err := s.Touch(ctx, key, now, now.Add(time.Hour)); err != nil && !errors.Is(err, session.ErrNotFound) {
			t.Errorf("Touch = %v", err)
		}
		for _, err := range s.List(ctx, session.Filter{}) {
			if err != nil {
				t.Errorf("List: %v", err)
			}
		}
		if err := s.Save(ctx, key, withVersion(liveRec("", "x"), 1)); err != nil && !errors.Is(err, session.ErrConflict) {
			t.Errorf("Save(update) = %v", err)
		}
		if _, err := s.Sweep(ctx); err != nil {
			t.Errorf("Sweep: %v", err)
		}
		if err := s.Delete(ctx, key); err != nil {
			t.Errorf("Delete: %v", err)
		}
		rep.take()
	})
}
