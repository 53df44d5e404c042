//go:build unix && !aix && (!solaris || illumos)

package filestore_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/filestore"
)

// reports collects what a store tells its error handler.
type reports struct {
	mu   sync.Mutex
	errs []error
}

func (r *reports) add(err error) {
	r.mu.Lock()
	r.errs = append(r.errs, err)
	r.mu.Unlock()
}

func (r *reports) take() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.errs
	r.errs = nil
	return e
}

// open opens a store in dir without a sweeper, collecting its reports.
func open(t testing.TB, dir string, opts ...filestore.Option) (*filestore.Store, *reports) {
	t.Helper()
	r := &reports{}
	opts = append([]filestore.Option{filestore.WithSweepInterval(0), filestore.WithErrorHandler(r.add)}, opts...)
	s, err := filestore.New(dir, opts...)
	if err != nil {
		t.Fatalf("New(%s): %v", dir, err)
	}
	t.Cleanup(func() { s.Close() })
	return s, r
}

func newKey(t testing.TB) string {
	t.Helper()
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}

// liveRec is a record valid for a day from now.
func liveRec(user, data string) session.Record {
	n := time.Now().UTC().Truncate(time.Microsecond)
	return session.Record{User: user, Data: []byte(data), Created: n, Accessed: n, Expires: n.Add(24 * time.Hour)}
}

func mustSave(t testing.TB, s session.Store, key string, rec session.Record) {
	t.Helper()
	if err := s.Save(context.Background(), key, rec); err != nil {
		t.Fatalf("Save(%.8s, version %d): %v", key, rec.Version, err)
	}
}

func mustLoad(t testing.TB, s session.Store, key string) session.Record {
	t.Helper()
	rec, err := s.Load(context.Background(), key)
	if err != nil {
		t.Fatalf("Load(%.8s): %v", key, err)
	}
	return rec
}

func recPath(s *filestore.Store, key string) string  { return filepath.Join(s.Dir(), "r", key[:2], key) }
func tmpPath(s *filestore.Store, key string) string  { return filepath.Join(s.Dir(), "t", key) }
func lockPath(s *filestore.Store, key string) string { return filepath.Join(s.Dir(), "l", key) }
func indexPath(s *filestore.Store, user, key string) string {
	h := sha256.Sum256([]byte(user))
	return filepath.Join(s.Dir(), "u", hex.EncodeToString(h[:]), key)
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// payload is a self-checking session body for counter n: the counter,
// then filler derived from it, so a torn or mixed record cannot pass
// checkPayload.
func payload(n, size int) []byte {
	head := fmt.Sprintf("%09d|", n)
	sum := sha256.Sum256([]byte(head))
	fill := hex.EncodeToString(sum[:])
	b := make([]byte, 0, size)
	b = append(b, head...)
	for len(b) < size {
		b = append(b, fill[:min(len(fill), size-len(b))]...)
	}
	return b
}

// checkPayload returns the counter of a payload, or an error if it is not
// exactly what payload wrote.
func checkPayload(b []byte) (int, error) {
	head, _, ok := strings.Cut(string(b), "|")
	if !ok {
		return 0, fmt.Errorf("payload without a counter: %.40q", b)
	}
	n, err := strconv.Atoi(head)
	if err != nil {
		return 0, fmt.Errorf("payload counter %q: %w", head, err)
	}
	if want := payload(n, len(b)); string(want) != string(b) {
		return 0, fmt.Errorf("payload of counter %d (%d bytes) is not as written", n, len(b))
	}
	return n, nil
}

func wantNotFound(t *testing.T, err error, what string) {
	t.Helper()
	if !errors.Is(err, session.ErrNotFound) {
		t.Errorf("%s = %v, want ErrNotFound", what, err)
	}
}

// incr adds one to a decimal counter stored at key, retrying on conflicts.
func incr(ctx context.Context, s session.Store, key string) error {
	for {
		rec, err := s.Load(ctx, key)
		if err != nil {
			return err
		}
		n, err := strconv.Atoi(string(rec.Data))
		if err != nil {
			return fmt.Errorf("counter %q: %w", rec.Data, err)
		}
		rec.Data = []byte(strconv.Itoa(n + 1))
		err = s.Save(ctx, key, rec)
		if !errors.Is(err, session.ErrConflict) {
			return err
		}
	}
}
