//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package filestore_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/filestore"
)

// TestFIFORecord: a FIFO planted where a record belongs is refused like any
// file that is not regular, without blocking in open(2) for a writer that
// never comes.
func TestFIFORecord(t *testing.T) {
	dir := t.TempDir()
	s, err := filestore.New(dir, filestore.WithSweepInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	key := strings.Repeat("ab", 32)
	if err := syscall.Mkfifo(filepath.Join(dir, "r", key[:2], key), 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := s.Load(context.Background(), key); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, session.ErrNotFound) {
			t.Errorf("Load of a FIFO = %v, want ErrNotFound", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Load of a FIFO record blocked")
	}
}
