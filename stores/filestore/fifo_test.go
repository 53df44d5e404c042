//go:build unix && !aix && !solaris

package filestore_test

import (
	"context"
	"errors"
	"os"
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

// TestSetupTimeout: a Setup whose file system call blocks (here the open(2)
// of a FIFO planted as the format marker, waiting for a writer, as a call
// on a network file system that does not answer) gives up after the setup
// timeout when its context has no deadline, instead of blocking for ever.
func TestSetupTimeout(t *testing.T) {
	dir := t.TempDir()
	s, err := filestore.New(dir, filestore.WithSweepInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	marker := filepath.Join(dir, "FORMAT")
	if err := os.Remove(marker); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(marker, 0o600); err != nil {
		t.Fatal(err)
	}
	defer filestore.SetSetupTimeout(100 * time.Millisecond)()
	done := make(chan error, 1)
	go func() { done <- s.Setup(context.Background()) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Setup blocked on the file system: %v, want a deadline error", err)
		}
		t.Logf("Setup: %v", err)
	case <-time.After(30 * time.Second):
		t.Error("Setup(context.Background()) has not returned after 30s, with a setup timeout of 100ms")
	}
	// Let the blocked open(2) return, so that no goroutine outlives the test.
	if w, err := os.OpenFile(marker, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
		w.Close()
	}
}
