//go:build unix && !aix && (!solaris || illumos)

package filestore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/filestore"
)

// TestSetup: New creates the directory 0700 with its format marker, Setup
// is idempotent, and directories the store cannot trust are refused with
// their contents untouched.
func TestSetup(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "sessions")
	s, _ := open(t, dir)
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v, want 0700", fi.Mode().Perm())
	}
	key := newKey(t)
	mustSave(t, s, key, liveRec("u", "x"))
	fi, err = os.Stat(recPath(s, key))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("record file mode %v, want 0600", fi.Mode().Perm())
	}
	for i := 0; i < 2; i++ {
		if err := s.Setup(context.Background()); err != nil {
			t.Fatalf("Setup #%d: %v", i+2, err)
		}
	}
	mustLoad(t, s, key)

	refused := []struct {
		name    string
		prepare func(t *testing.T) string
		want    string
	}{
		{"not empty and not a store", func(t *testing.T) string {
			d := t.TempDir()
			writeFile(t, filepath.Join(d, "thesis.tex"), []byte("precious"))
			return d
		}, "not a filestore directory"},
		{"writable by others", func(t *testing.T) string {
			d := filepath.Join(t.TempDir(), "open")
			if err := os.Mkdir(d, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(d, 0o777); err != nil {
				t.Fatal(err)
			}
			return d
		}, "writable by group or others"},
		{"newer format", func(t *testing.T) string {
			d := t.TempDir()
			writeFile(t, filepath.Join(d, "FORMAT"), []byte("session2 filestore\nformat 3\n"))
			return d
		}, "format 3"},
		{"development format 1, never released", func(t *testing.T) string {
			d := t.TempDir()
			writeFile(t, filepath.Join(d, "FORMAT"), []byte("session2 filestore\nformat 1\n"))
			return d
		}, "format 1; this version reads format 2"},
		{"a file", func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "file")
			writeFile(t, p, []byte("x"))
			return p
		}, ""},
		{"records directory is a symlink", func(t *testing.T) string {
			d := t.TempDir()
			s, err := filestore.New(d, filestore.WithSweepInterval(0))
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			if err := os.RemoveAll(filepath.Join(d, "r")); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(t.TempDir(), filepath.Join(d, "r")); err != nil {
				t.Fatal(err)
			}
			return d
		}, "symbolic link"},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			d := c.prepare(t)
			before := listDir(t, d)
			s, err := filestore.New(d)
			if err == nil {
				s.Close()
				t.Fatal("New succeeded")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("New = %v, want an error saying %q", err, c.want)
			}
			if after := listDir(t, d); after != before {
				t.Errorf("New changed the refused directory: %q -> %q", before, after)
			}
		})
	}
}

func listDir(t *testing.T, d string) string {
	t.Helper()
	ents, err := os.ReadDir(d)
	if err != nil {
		return err.Error()
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return strings.Join(names, ",")
}

// TestOpenURL: the "file" scheme opens a store from its URL forms, with
// query options, and rejects bad ones clearly.
func TestOpenURL(t *testing.T) {
	ctx := context.Background()
	dir, other := t.TempDir(), t.TempDir()
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(cwd, filepath.Join(other, "rel"))
	if err != nil {
		t.Fatal(err)
	}
	for u, want := range map[string]string{
		"file:" + dir:   dir,
		"file://" + dir: dir,
		"file:" + dir + "?sweep=0&lock_timeout=2s": dir,
		"file:" + rel: filepath.Join(other, "rel"),
	} {
		st, err := session.OpenStore(ctx, u)
		if err != nil {
			t.Errorf("OpenStore(%q): %v", u, err)
			continue
		}
		fs, ok := st.(*filestore.Store)
		if !ok {
			t.Errorf("OpenStore(%q) = %T", u, st)
		} else if fs.Dir() != want {
			t.Errorf("OpenStore(%q).Dir() = %q, want %q", u, fs.Dir(), want)
		}
		key := newKey(t)
		mustSave(t, st, key, liveRec("", "via URL"))
		mustLoad(t, st, key)
		st.Close()
	}
	for _, u := range []string{
		"file:",
		"file:" + dir + "?sweep=often",
		"file:" + dir + "?sweep=-1s",
		"file:" + dir + "?lock_timeout=0s",
		"file:" + dir + "?color=blue",
		"file:" + dir + "?sweep=1m&sweep=2m",
	} {
		if st, err := session.OpenStore(ctx, u); err == nil {
			st.Close()
			t.Errorf("OpenStore(%q) succeeded, want an error", u)
		} else if errors.Is(err, session.ErrUnknownScheme) {
			t.Errorf("OpenStore(%q) = %v: scheme not registered", u, err)
		}
	}
}

// TestOptionsValidated: bad options are errors from New, not panics.
func TestOptionsValidated(t *testing.T) {
	for name, opt := range map[string]filestore.Option{
		"negative sweep":    filestore.WithSweepInterval(-1),
		"zero lock timeout": filestore.WithLockTimeout(0),
		"nil clock":         filestore.WithClock(nil),
		"nil handler":       filestore.WithErrorHandler(nil),
	} {
		if s, err := filestore.New(t.TempDir(), opt); err == nil {
			s.Close()
			t.Errorf("New with %s succeeded", name)
		}
	}
	if s, err := filestore.New(""); err == nil {
		s.Close()
		t.Error("New(\"\") succeeded")
	}
}
