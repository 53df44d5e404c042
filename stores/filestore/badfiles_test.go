//go:build unix && !aix && (!solaris || illumos)

package filestore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/filestore"
)

// TestBadRecordFiles puts a file that must not be trusted where a record
// belongs: every call treats it as not found, Load reports it, nothing
// panics, and the sweeper removes it without following it.
func TestBadRecordFiles(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		// plant puts the bad file at path, the record file of key.
		plant func(t *testing.T, s *filestore.Store, key, path string)
	}{
		{"zero length", func(t *testing.T, s *filestore.Store, key, path string) {
			writeFile(t, path, nil)
		}},
		{"garbage", func(t *testing.T, s *filestore.Store, key, path string) {
			writeFile(t, path, []byte(strings.Repeat("not a session record\n", 40)))
		}},
		{"truncated body", func(t *testing.T, s *filestore.Store, key, path string) {
			b := validFile(t, key, "truncated")
			writeFile(t, path, b[:len(b)-3])
		}},
		{"truncated header", func(t *testing.T, s *filestore.Store, key, path string) {
			writeFile(t, path, validFile(t, key, "x")[:100])
		}},
		{"trailing bytes", func(t *testing.T, s *filestore.Store, key, path string) {
			writeFile(t, path, append(validFile(t, key, "x"), 0))
		}},
		{"flipped data byte", func(t *testing.T, s *filestore.Store, key, path string) {
			b := validFile(t, key, "flipped data")
			b[len(b)-1] ^= 1
			writeFile(t, path, b)
		}},
		{"flipped header byte", func(t *testing.T, s *filestore.Store, key, path string) {
			b := validFile(t, key, "flipped header")
			b[44] ^= 1 // inside the version
			writeFile(t, path, b)
		}},
		{"both touch slots torn", func(t *testing.T, s *filestore.Store, key, path string) {
			b := validFile(t, key, "slots")
			b[90] ^= 1 // slot 0, the only one written
			writeFile(t, path, b)
		}},
		{"copied from another key", func(t *testing.T, s *filestore.Store, key, path string) {
			writeFile(t, path, validFile(t, newKey(t), "another user's session"))
		}},
		{"symlink to a valid record", func(t *testing.T, s *filestore.Store, key, path string) {
			target := filepath.Join(t.TempDir(), "target")
			writeFile(t, target, validFile(t, key, "behind a symlink"))
			if err := os.Symlink(target, path); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if _, err := os.Stat(target); err != nil {
					t.Errorf("the symlink's target was touched: %v", err)
				}
			})
		}},
		{"dangling symlink", func(t *testing.T, s *filestore.Store, key, path string) {
			if err := os.Symlink(filepath.Join(t.TempDir(), "nothing"), path); err != nil {
				t.Fatal(err)
			}
		}},
		{"directory", func(t *testing.T, s *filestore.Store, key, path string) {
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
		}},
		{"not owned by the process", func(t *testing.T, s *filestore.Store, key, path string) {
			if os.Geteuid() != 0 {
				t.Skip("needs root to give a file to another user")
			}
			writeFile(t, path, validFile(t, key, "someone else's"))
			if err := os.Lchown(path, 65534, 65534); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, rep := open(t, t.TempDir())
			key := newKey(t)
			path := recPath(s, key)
			c.plant(t, s, key, path)
			rep.take()

			_, err := s.Load(ctx, key)
			wantNotFound(t, err, "Load")
			if !errors.Is(err, filestore.ErrCorrupt) {
				t.Errorf("Load = %v, want an error wrapping ErrCorrupt too", err)
			}
			if got := rep.take(); len(got) != 1 || !errors.Is(got[0], filestore.ErrCorrupt) {
				t.Errorf("Load reported %v, want one error wrapping ErrCorrupt", got)
			}
			wantNotFound(t, s.Touch(ctx, key, time.Now(), time.Now().Add(time.Hour)), "Touch")
			if err := s.Save(ctx, key, withVersion(liveRec("intruder", "update"), 1)); !errors.Is(err, session.ErrConflict) {
				t.Errorf("Save(update) over it = %v, want ErrConflict", err)
			}
			for e, err := range s.List(ctx, session.Filter{}) {
				if err != nil {
					t.Errorf("List: %v", err)
				} else {
					t.Errorf("List yielded %.8s (user %q), want nothing", e.Key, e.Record.User)
				}
			}
			if n, err := s.Prune(ctx, session.Filter{}); err != nil || n != 0 {
				t.Errorf("Prune(all) = %d, %v; want 0, nil", n, err)
			}

			st, err := s.Scrub(ctx)
			if err != nil {
				t.Errorf("Scrub: %v", err)
			}
			if st.Corrupt != 1 || exists(path) {
				t.Errorf("Scrub removed %d corrupt files (file still there: %v), want 1 and gone", st.Corrupt, exists(path))
			}
			rep.take()

			// The key is usable again.
			mustSave(t, s, key, liveRec("owner", "fresh"))
			if got := mustLoad(t, s, key); string(got.Data) != "fresh" || got.Version != 1 {
				t.Errorf("after the sweep, loaded %q version %d, want \"fresh\" version 1", got.Data, got.Version)
			}
		})
	}
}

// TestCreateReplacesCorruptFile: a corrupt file counts as absent, so a
// create over it succeeds and replaces it.
func TestCreateReplacesCorruptFile(t *testing.T) {
	s, rep := open(t, t.TempDir())
	key := newKey(t)
	writeFile(t, recPath(s, key), []byte("garbage"))
	mustSave(t, s, key, liveRec("", "new"))
	if got := mustLoad(t, s, key); string(got.Data) != "new" {
		t.Errorf("loaded %q, want \"new\"", got.Data)
	}
	if got := rep.take(); len(got) != 1 {
		t.Errorf("reports = %v, want one about the replaced file", got)
	}
}

// TestTempFiles: temporary files no writer holds are removed by the
// sweeper, one a writer holds is left alone, and none is ever loaded or
// listed.
func TestTempFiles(t *testing.T) {
	ctx := context.Background()
	s, rep := open(t, t.TempDir())
	rdir := filepath.Join(s.Dir(), "r")
	tdir := filepath.Join(s.Dir(), "t")

	stale := newKey(t) // a crashed writer's leftover, no record
	writeFile(t, filepath.Join(tdir, stale), validFile(t, stale, "half"))
	held := newKey(t) // a writer in another process is at work
	mustSave(t, s, held, liveRec("", "old"))
	writeFile(t, filepath.Join(tdir, held), []byte("being written"))
	writeFile(t, filepath.Join(tdir, "junk"), []byte("not ours"))
	writeFile(t, filepath.Join(rdir, "notes.txt"), []byte("an admin's file"))

	unlock := holdLock(t, s, held)
	_, err := s.Load(ctx, stale)
	wantNotFound(t, err, "Load of a key with only a temp file")
	n := 0
	for e, err := range s.List(ctx, session.Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Key != held {
			t.Errorf("List yielded %q", e.Key)
		}
		n++
	}
	if n != 1 {
		t.Errorf("List yielded %d records, want 1", n)
	}
	st, err := s.Sweep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Temp != 2 {
		t.Errorf("Sweep removed %d temp files, want 2 (the stale and the junk one)", st.Temp)
	}
	for name, want := range map[string]bool{"t/" + stale: false, "t/junk": false, "t/" + held: true, "r/notes.txt": true} {
		if got := exists(filepath.Join(s.Dir(), name)); got != want {
			t.Errorf("after Sweep, %s exists = %v, want %v", name, got, want)
		}
	}
	unlock()
	if _, err := s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if exists(filepath.Join(tdir, held)) {
		t.Error("the temp file was not removed once its lock was free")
	}
	if got := mustLoad(t, s, held); string(got.Data) != "old" {
		t.Errorf("record beside the temp file = %q, want \"old\"", got.Data)
	}
	if got := rep.take(); len(got) != 0 {
		t.Errorf("reports = %v, want none", got)
	}
}

// TestFailedWriteKeepsOldRecord: a Save whose write fails reports the
// error and leaves the previous record loadable.
func TestFailedWriteKeepsOldRecord(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t, t.TempDir())
	key := newKey(t)
	mustSave(t, s, key, liveRec("u", "old"))

	// The temporary file's name is taken by a directory that cannot be
	// removed: the write fails before the rename (this works as root too).
	blocker := tmpPath(s, key)
	if err := os.MkdirAll(filepath.Join(blocker, "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	err := s.Save(ctx, key, withVersion(liveRec("u", "new"), 1))
	if err == nil {
		t.Fatal("Save with its temp file blocked succeeded")
	}
	if errors.Is(err, session.ErrConflict) || errors.Is(err, session.ErrNotFound) {
		t.Errorf("Save error = %v, want an I/O error, not a conflict", err)
	}
	if got := mustLoad(t, s, key); string(got.Data) != "old" || got.Version != 1 {
		t.Errorf("after the failed Save, loaded %q version %d; want \"old\" version 1", got.Data, got.Version)
	}
	if err := os.RemoveAll(blocker); err != nil {
		t.Fatal(err)
	}
	mustSave(t, s, key, withVersion(liveRec("u", "new"), 1))
}

// TestReadOnlyDirectory: with the record directory read-only, Save and
// Delete fail with an error and the old record stays.
func TestReadOnlyDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores directory permissions; TestFileSizeLimit and TestFailedWriteKeepsOldRecord cover failed writes")
	}
	ctx := context.Background()
	s, _ := open(t, t.TempDir())
	key := newKey(t)
	mustSave(t, s, key, liveRec("", "old"))
	rdir := filepath.Dir(recPath(s, key))
	if err := os.Chmod(rdir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(rdir, 0o700) })
	if err := s.Save(ctx, key, withVersion(liveRec("", "new"), 1)); err == nil {
		t.Error("Save into a read-only directory succeeded")
	}
	if err := s.Delete(ctx, key); err == nil {
		t.Error("Delete in a read-only directory succeeded")
	}
	if got := mustLoad(t, s, key); string(got.Data) != "old" {
		t.Errorf("loaded %q, want \"old\"", got.Data)
	}
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// validFile returns the bytes of a valid record file for key, made by a
// store in another directory.
func validFile(t *testing.T, key, data string) []byte {
	t.Helper()
	s, _ := open(t, t.TempDir())
	mustSave(t, s, key, liveRec("someone", data))
	b, err := os.ReadFile(recPath(s, key))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func withVersion(r session.Record, v uint64) session.Record {
	r.Version = v
	return r
}

// holdLock takes key's lock as another process would, returning the
// function that releases it.
func holdLock(t *testing.T, s *filestore.Store, key string) func() {
	t.Helper()
	release, err := filestore.HoldLockElsewhere(s, key)
	if err != nil {
		t.Fatal(err)
	}
	done := false
	unlock := func() {
		if !done {
			done = true
			release()
		}
	}
	t.Cleanup(unlock)
	return unlock
}
