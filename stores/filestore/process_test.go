//go:build unix && !aix && (!solaris || illumos)

package filestore_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/filestore"
)

// The cross-process tests re-execute this test binary as children that
// run TestHelperProcess in the role named by these variables.
const (
	envRole = "SESSION2_FILESTORE_HELPER"
	envDir  = "SESSION2_FILESTORE_HELPER_DIR"
	envKey  = "SESSION2_FILESTORE_HELPER_KEY"
	envN    = "SESSION2_FILESTORE_HELPER_N"
)

// Sizes of the self-checking payloads.
const (
	raceSize  = 2 << 10
	crashSize = 256 << 10 // large, so that kills land mid-write
)

// TestHelperProcess is not a test: it is the body of the child processes
// started by the cross-process tests, and does nothing when run directly.
func TestHelperProcess(t *testing.T) {
	role := os.Getenv(envRole)
	if role == "" {
		return
	}
	err := runHelper(role, os.Getenv(envDir), os.Getenv(envKey))
	if err != nil {
		fmt.Fprintf(os.Stderr, "helper %s: %v\n", role, err)
		os.Exit(2)
	}
	os.Exit(0)
}

func runHelper(role, dir, key string) error {
	ctx := context.Background()
	s, err := filestore.New(dir, filestore.WithSweepInterval(0), filestore.WithLockTimeout(time.Minute),
		filestore.WithErrorHandler(func(err error) { fmt.Fprintln(os.Stderr, "reported:", err) }))
	if err != nil {
		return err
	}
	defer s.Close()
	switch role {
	case "incr":
		// Increment the payload counter N times with compare-and-set,
		// checking every record read.
		n, err := strconv.Atoi(os.Getenv(envN))
		if err != nil {
			return err
		}
		// Wait for the parent's go, so that all children race.
		if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
			return fmt.Errorf("waiting for the start: %w", err)
		}
		conflicts := 0
		for i := 0; i < n; i++ {
			for {
				rec, err := s.Load(ctx, key)
				if err != nil {
					return fmt.Errorf("load: %w", err)
				}
				c, err := checkPayload(rec.Data)
				if err != nil {
					return fmt.Errorf("load: %w", err)
				}
				rec.Data = payload(c+1, raceSize)
				err = s.Save(ctx, key, rec)
				if errors.Is(err, session.ErrConflict) {
					conflicts++
					continue
				}
				if err != nil {
					return fmt.Errorf("save: %w", err)
				}
				break
			}
		}
		fmt.Printf("done %d conflicts\n", conflicts)
		return nil
	case "saver":
		// Save in a loop until killed, saying "ready" after the first.
		for i := 0; ; i++ {
			rec, err := s.Load(ctx, key)
			if err != nil {
				return fmt.Errorf("load: %w", err)
			}
			c, err := checkPayload(rec.Data)
			if err != nil {
				return err
			}
			rec.Data = payload(c+1, crashSize)
			if err := s.Save(ctx, key, rec); err != nil {
				return fmt.Errorf("save: %w", err)
			}
			if i == 0 {
				fmt.Println("ready")
			}
		}
	case "fsize":
		// With files limited to a few kilobytes (as a full disk would),
		// replace a small record with a large one: the save must fail.
		lim := syscall.Rlimit{Cur: 8 << 10, Max: 8 << 10}
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
			return fmt.Errorf("setrlimit: %w", err)
		}
		rec, err := s.Load(ctx, key)
		if err != nil {
			return fmt.Errorf("load: %w", err)
		}
		rec.Data = payload(1, 64<<10)
		err = s.Save(ctx, key, rec)
		if err == nil {
			return errors.New("a save past the file size limit succeeded")
		}
		fmt.Printf("save failed: %v\n", err)
		return nil
	}
	return fmt.Errorf("unknown role %q", role)
}

// child prepares a helper process in the given role.
func child(t *testing.T, role, dir, key string, n int) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), envRole+"="+role, envDir+"="+dir, envKey+"="+key, envN+"="+strconv.Itoa(n))
	return cmd
}

// TestCrossProcessIncrements: 4 processes race compare-and-set increments
// on one key while this one keeps reading it. No increment is lost and no
// reader ever sees a torn or corrupt record.
func TestCrossProcessIncrements(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	ctx := context.Background()
	dir := t.TempDir()
	s, rep := open(t, dir)
	key := newKey(t)
	rec := liveRec("racer", "")
	rec.Data = payload(0, raceSize)
	mustSave(t, s, key, rec)

	const procs, each = 4, 25
	var stop atomic.Bool
	var reads atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		last := 0
		for !stop.Load() {
			got, err := s.Load(ctx, key)
			if err != nil {
				t.Errorf("reader: Load: %v", err)
				return
			}
			c, err := checkPayload(got.Data)
			if err != nil {
				t.Errorf("reader: %v", err)
				return
			}
			if c < last || uint64(c)+1 != got.Version {
				t.Errorf("reader: counter %d at version %d after counter %d", c, got.Version, last)
				return
			}
			last = c
			reads.Add(1)
		}
	}()

	cmds := make([]*exec.Cmd, procs)
	outs := make([]*bytes.Buffer, procs)
	starts := make([]io.WriteCloser, procs)
	for i := range cmds {
		cmds[i] = child(t, "incr", dir, key, each)
		outs[i] = &bytes.Buffer{}
		cmds[i].Stdout, cmds[i].Stderr = outs[i], outs[i]
		var err error
		if starts[i], err = cmds[i].StdinPipe(); err != nil {
			t.Fatal(err)
		}
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for _, w := range starts {
		io.WriteString(w, "go\n")
		w.Close()
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("child %d: %v\n%s", i, err, outs[i])
		} else {
			t.Logf("child %d: %s", i, strings.TrimSpace(outs[i].String()))
		}
	}
	stop.Store(true)
	wg.Wait()

	got := mustLoad(t, s, key)
	c, err := checkPayload(got.Data)
	if err != nil {
		t.Fatal(err)
	}
	if c != procs*each || got.Version != procs*each+1 {
		t.Errorf("after %d processes did %d increments each: counter %d, version %d; want %d, %d",
			procs, each, c, got.Version, procs*each, procs*each+1)
	}
	if r := rep.take(); len(r) != 0 {
		t.Errorf("reports: %v", r)
	}
	t.Logf("%d reads during the race", reads.Load())
}

// TestCrashSafety: a child saving in a loop is killed with SIGKILL at
// random moments, 50 times. After each kill the record loads, intact, as
// the old or the new version, and the next writer is not blocked by the
// dead one's lock; a sweep then removes the temporary files it left.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	ctx := context.Background()
	dir := t.TempDir()
	s, rep := open(t, dir)
	key := newKey(t)
	rec := liveRec("crash", "")
	rec.Data = payload(0, crashSize)
	mustSave(t, s, key, rec)

	var last uint64 = 1
	tempsSeen := 0
	for i := 0; i < 50; i++ {
		cmd := child(t, "saver", dir, key, 0)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(out).ReadString('\n')
		if err != nil || line != "ready\n" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("kill %d: child said %q (%v)\n%s", i, line, err, stderr.String())
		}
		// A random moment within the next few saves.
		time.Sleep(time.Duration(rand.IntN(8000)) * time.Microsecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		err = cmd.Wait()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("kill %d: child ended with %v, not by SIGKILL\n%s", i, err, stderr.String())
		}
		if exists(filepath.Join(dir, "t", key)) {
			tempsSeen++
		}

		got, err := s.Load(ctx, key)
		if err != nil {
			t.Fatalf("kill %d: Load: %v", i, err)
		}
		c, err := checkPayload(got.Data)
		if err != nil {
			t.Fatalf("kill %d: %v", i, err)
		}
		if uint64(c)+1 != got.Version || got.Version < last {
			t.Fatalf("kill %d: counter %d at version %d, after version %d", i, c, got.Version, last)
		}
		last = got.Version
	}
	st, err := s.Sweep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if exists(filepath.Join(dir, "t", key)) {
		t.Error("the sweep left the dead writer's temp file")
	}
	if r := rep.take(); len(r) != 0 {
		t.Errorf("reports: %v", r)
	}
	t.Logf("50 kills: %d saves survived, %d kills left a temp file, the last sweep removed %d", last-1, tempsSeen, st.Temp)
}

// TestFileSizeLimit: a child limited to small files (the disk-full case)
// fails to replace a record, reports it, and the old record stays.
func TestFileSizeLimit(t *testing.T) {
	dir := t.TempDir()
	s, _ := open(t, dir)
	key := newKey(t)
	rec := liveRec("", "")
	rec.Data = payload(0, 100)
	mustSave(t, s, key, rec)
	out, err := child(t, "fsize", dir, key, 0).CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	t.Logf("child: %s", bytes.TrimSpace(out))
	got := mustLoad(t, s, key)
	if c, err := checkPayload(got.Data); err != nil || c != 0 || got.Version != 1 {
		t.Errorf("after the failed save: counter %d (%v), version %d; want the old record, 0 at version 1", c, err, got.Version)
	}
	// The next Save, without the limit, works and the failed one's temp
	// file is gone or replaced.
	mustSave(t, s, key, withVersion(got, 1))
}
