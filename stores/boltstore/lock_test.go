package boltstore_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/boltstore"
)

// holderEnv names the variable that turns the test binary into a child
// process holding a store open (see TestMain).
const holderEnv = "BOLTSTORE_TEST_HOLD"

func TestMain(m *testing.M) {
	if path := os.Getenv(holderEnv); path != "" {
		os.Exit(holdOpen(path))
	}
	os.Exit(m.Run())
}

// holdOpen opens the store at path, says "ready" on stdout, and keeps it
// open until stdin is closed.
func holdOpen(path string) int {
	s, err := boltstore.Open(path)
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	fmt.Println("ready")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	if err := s.Close(); err != nil {
		fmt.Println("error:", err)
		return 1
	}
	return 0
}

func TestSecondOpenerInProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "locked.db")
	first, err := boltstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	second, err := boltstore.Open(path, boltstore.WithOpenTimeout(200*time.Millisecond))
	if err == nil {
		second.Close()
		t.Fatal("a second Open of a held file succeeded")
	}
	if !errors.Is(err, boltstore.ErrLocked) || !strings.Contains(err.Error(), "locked by another process") {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	third, err := boltstore.Open(path, boltstore.WithOpenTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatalf("Open after the holder closed: %v", err)
	}
	third.Close()
}

func TestSecondOpenerProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skip("no executable to re-run:", err)
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), holderEnv+"="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		t.Fatalf("child: %q, %v", line, err)
	}

	_, err = boltstore.Open(path, boltstore.WithOpenTimeout(300*time.Millisecond))
	if !errors.Is(err, boltstore.ErrLocked) {
		t.Fatalf("Open while another process holds the file: %v, want ErrLocked", err)
	}
	_, err = session.OpenStore(ctx, "bolt:"+path+"?timeout=100ms")
	if !errors.Is(err, boltstore.ErrLocked) {
		t.Fatalf("OpenStore while another process holds the file: %v, want ErrLocked", err)
	}

	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	s, err := boltstore.Open(path)
	if err != nil {
		t.Fatalf("Open after the child exited: %v", err)
	}
	s.Close()
}
