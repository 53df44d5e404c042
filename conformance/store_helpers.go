package conformance

// The helpers of the store properties: records, keys, users and checks.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
)

func date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// now returns the current time in UTC truncated to the microsecond, the
// precision every store keeps.
func now() time.Time {
	return time.Now().UTC().Truncate(time.Microsecond)
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("crypto/rand: %v", err)
	}
	return hex.EncodeToString(b)
}

// newKey returns a random store key: 64 lowercase hex characters.
func newKey(t *testing.T) string {
	t.Helper()
	return randomHex(t, session.KeyLen/2)
}

// newUser returns a user name no other subtest or run will use.
func newUser(t *testing.T, label string) string {
	t.Helper()
	return "conformance-" + label + "-" + randomHex(t, 8)
}

// live returns a record of user that expires in an hour.
func live(user, data string) session.Record {
	n := now()
	return session.Record{
		User:     user,
		Data:     []byte(data),
		Created:  n.Add(-10 * time.Minute),
		Accessed: n.Add(-time.Minute),
		Expires:  n.Add(time.Hour),
	}
}

// dated returns a record of user with the given access and expiry times.
func dated(user, data string, accessed, expires time.Time) session.Record {
	return session.Record{
		User:     user,
		Data:     []byte(data),
		Created:  accessed,
		Accessed: accessed,
		Expires:  expires,
	}
}

func mustSave(t *testing.T, s session.Store, key string, rec session.Record) {
	t.Helper()
	if err := s.Save(context.Background(), key, rec); err != nil {
		t.Fatalf("Save(version %d) = %v, want nil", rec.Version, err)
	}
}

func mustLoad(t *testing.T, s session.Store, key string) session.Record {
	t.Helper()
	rec, err := s.Load(context.Background(), key)
	if err != nil {
		t.Fatalf("Load of a live record = %v, want nil", err)
	}
	return rec
}

// wantNotFound checks that Load reports ErrNotFound for key; why says
// what the test expects and is part of the failure message.
func wantNotFound(t *testing.T, s session.Store, key, why string) {
	t.Helper()
	rec, err := s.Load(context.Background(), key)
	if !errors.Is(err, session.ErrNotFound) {
		t.Errorf("%s: Load = (version %d, %v), want ErrNotFound", why, rec.Version, err)
	}
}

// diffRecord describes how got differs from want, or returns "".
func diffRecord(got, want session.Record) string {
	var d []string
	if got.User != want.User {
		d = append(d, fmt.Sprintf("User = %q, want %q", got.User, want.User))
	}
	if !bytes.Equal(got.Data, want.Data) {
		d = append(d, fmt.Sprintf("Data = %s, want %s", showBytes(got.Data), showBytes(want.Data)))
	}
	if !got.Created.Equal(want.Created) {
		d = append(d, fmt.Sprintf("Created = %v, want %v", got.Created, want.Created))
	}
	if !got.Accessed.Equal(want.Accessed) {
		d = append(d, fmt.Sprintf("Accessed = %v, want %v", got.Accessed, want.Accessed))
	}
	if !got.Expires.Equal(want.Expires) {
		d = append(d, fmt.Sprintf("Expires = %v, want %v", got.Expires, want.Expires))
	}
	if got.Version != want.Version {
		d = append(d, fmt.Sprintf("Version = %d, want %d", got.Version, want.Version))
	}
	return strings.Join(d, "; ")
}

func showBytes(b []byte) string {
	if len(b) > 40 {
		return fmt.Sprintf("%d bytes %q...", len(b), b[:40])
	}
	return fmt.Sprintf("%q", b)
}

// wantRecord loads key and checks it against want (whose Version is the
// stored version expected).
func wantRecord(t *testing.T, s session.Store, key string, want session.Record, why string) {
	t.Helper()
	got, err := s.Load(context.Background(), key)
	if err != nil {
		t.Errorf("%s: Load = %v, want the record", why, err)
		return
	}
	if d := diffRecord(got, want); d != "" {
		t.Errorf("%s: loaded record differs: %s", why, d)
	}
}

// withVersion returns rec with Version v.
func withVersion(rec session.Record, v uint64) session.Record {
	rec.Version = v
	return rec
}

// list collects what s.List(f) yields, failing on an error. It checks that
// every yielded record matches f and that no key is yielded twice.
func list(t *testing.T, s session.Store, f session.Filter) map[string]session.Record {
	t.Helper()
	got := make(map[string]session.Record)
	for e, err := range s.List(context.Background(), f) {
		if err != nil {
			t.Fatalf("List(%s) yielded error %v", showFilter(f), err)
		}
		if !f.Match(e.Record) {
			t.Errorf("List(%s) yielded key %s whose record does not match: User %q, Accessed %v, Expires %v",
				showFilter(f), e.Key, e.Record.User, e.Record.Accessed, e.Record.Expires)
		}
		if _, dup := got[e.Key]; dup {
			t.Errorf("List(%s) yielded key %s twice", showFilter(f), e.Key)
		}
		got[e.Key] = e.Record
	}
	return got
}

func showFilter(f session.Filter) string {
	var p []string
	if f.User != "" {
		p = append(p, "User: "+f.User)
	}
	if !f.ExpiresBefore.IsZero() {
		p = append(p, "ExpiresBefore: "+f.ExpiresBefore.Format(time.RFC3339))
	}
	if !f.AccessedBefore.IsZero() {
		p = append(p, "AccessedBefore: "+f.AccessedBefore.Format(time.RFC3339))
	}
	return "Filter{" + strings.Join(p, ", ") + "}"
}

// wantListed checks that got holds exactly the keys of want that are
// true, among the keys of want (other keys of got are ignored).
func wantListed(t *testing.T, got map[string]session.Record, want map[string]bool, what string) {
	t.Helper()
	for key, in := range want {
		_, listed := got[key]
		switch {
		case in && !listed:
			t.Errorf("%s: key %s is missing from the listing", what, key)
		case !in && listed:
			t.Errorf("%s: key %s was listed but does not match", what, key)
		}
	}
}
