package conformance

// The store properties at the edges: users changing or alike, sizes,
// cancelled contexts, invalid keys, capabilities, Close.

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
)

func testUserChange(t *testing.T, s session.Store) {
	ctx := context.Background()
	u1, u2 := newUser(t, "change-1"), newUser(t, "change-2")
	key := newKey(t)
	mustSave(t, s, key, live(u1, "as u1"))
	mustSave(t, s, key, withVersion(live(u2, "as u2"), 1))

	if got := list(t, s, session.Filter{User: u1}); len(got) != 0 {
		t.Errorf("after the user changed from u1 to u2, List(User: u1) yields %d records, want 0", len(got))
	}
	if got := list(t, s, session.Filter{User: u2}); len(got) != 1 || got[key].User != u2 {
		t.Errorf("after the user changed from u1 to u2, List(User: u2) yields %d records, want the one", len(got))
	}
	if n, err := s.Prune(ctx, session.Filter{User: u1}); err != nil || n != 0 {
		t.Errorf("after the user changed from u1 to u2, Prune(User: u1) = (%d, %v), want (0, nil)", n, err)
	}
	if got := mustLoad(t, s, key); got.User != u2 {
		t.Errorf("after Prune(User: u1), the record's User = %q, want u2", got.User)
	}

	// To anonymous and back to u1.
	mustSave(t, s, key, withVersion(live("", "anonymous"), 2))
	if got := list(t, s, session.Filter{User: u2}); len(got) != 0 {
		t.Errorf("after the user changed from u2 to anonymous, List(User: u2) yields %d records, want 0", len(got))
	}
	mustSave(t, s, key, withVersion(live(u1, "u1 again"), 3))
	if got := list(t, s, session.Filter{User: u1}); len(got) != 1 {
		t.Errorf("after the user changed back to u1, List(User: u1) yields %d records, want 1", len(got))
	}
	if n, err := s.Prune(ctx, session.Filter{User: u2}); err != nil || n != 0 {
		t.Errorf("Prune(User: u2) of a former user = (%d, %v), want (0, nil)", n, err)
	}
	if n, err := s.Prune(ctx, session.Filter{User: u1}); err != nil || n != 1 {
		t.Errorf("Prune(User: u1) of the current user = (%d, %v), want (1, nil)", n, err)
	}
	wantNotFound(t, s, key, "after Prune(User) of the record's current user")

	// A failed save (conflict) must not move the index either.
	key2 := newKey(t)
	mustSave(t, s, key2, live(u1, "u1"))
	if err := s.Save(ctx, key2, withVersion(live(u2, "stale"), 7)); !errors.Is(err, session.ErrConflict) {
		t.Errorf("stale save = %v, want ErrConflict", err)
	}
	if err := s.Save(ctx, key2, live(u2, "create over")); !errors.Is(err, session.ErrConflict) {
		t.Errorf("create over an existing key = %v, want ErrConflict", err)
	}
	if got := list(t, s, session.Filter{User: u2}); len(got) != 0 {
		t.Errorf("after conflicting saves naming u2, List(User: u2) yields %d records, want 0", len(got))
	}
	if got := list(t, s, session.Filter{User: u1}); len(got) != 1 {
		t.Errorf("after conflicting saves naming u2, List(User: u1) yields %d records, want 1", len(got))
	}
	// And a delete removes the record from its user's index.
	if err := s.Delete(ctx, key2); err != nil {
		t.Fatalf("Delete = %v", err)
	}
	if got := list(t, s, session.Filter{User: u1}); len(got) != 0 {
		t.Errorf("after Delete, List(User: u1) yields %d records, want 0", len(got))
	}
}

func testUserMatchedExactly(t *testing.T, s session.Store) {
	ctx := context.Background()
	base := newUser(t, "Exact")
	// Users that a case-insensitive, space-padding, prefix, LIKE or
	// Unicode-folding comparison would confuse with base or each other.
	users := []string{
		base,
		strings.ToUpper(base),
		strings.ToLower(base),
		base + " ",
		base + "x",
		base[:len(base)-1],
		base + "%",
		base + "_",
		base + "e",
		base + "\u00e9",  // é
		base + "e\u0301", // e and a combining acute accent
		base + "\u00c9",  // É
		base + "'",
	}
	keys := make(map[string]string, len(users))
	for _, u := range users {
		if _, dup := keys[u]; dup {
			continue
		}
		key := newKey(t)
		mustSave(t, s, key, live(u, "exact user"))
		keys[u] = key
	}
	for u, key := range keys {
		got := list(t, s, session.Filter{User: u})
		if len(got) != 1 {
			others := []string{}
			for k, r := range got {
				if k != key {
					others = append(others, fmt.Sprintf("%q", r.User))
				}
			}
			t.Errorf("List(User: %q) yields %d records, want exactly its own; others: %s", u, len(got), strings.Join(others, ", "))
			continue
		}
		if r, ok := got[key]; !ok || r.User != u {
			t.Errorf("List(User: %q) yields a record of user %q, want its own", u, r.User)
		}
	}
	n, err := s.Prune(ctx, session.Filter{User: base})
	if err != nil || n != 1 {
		t.Errorf("Prune(User: %q) = (%d, %v), want (1, nil): users are compared byte for byte", base, n, err)
	}
	for u, key := range keys {
		if u == base {
			wantNotFound(t, s, key, "Prune(User) of the exact user")
			continue
		}
		if got := mustLoad(t, s, key); got.User != u {
			t.Errorf("after Prune(User: %q), the record of %q has User %q", base, u, got.User)
		}
	}
}

func testLargeData(t *testing.T, s session.Store) {
	key := newKey(t)
	big := make([]byte, 1<<20)
	if _, err := rand.Read(big); err != nil {
		t.Fatal(err)
	}
	rec := live(newUser(t, "large"), "")
	rec.Data = big
	mustSave(t, s, key, rec)
	wantRecord(t, s, key, withVersion(rec, 1), "a 1 MiB record")

	// Shrink it: nothing of the old data may survive.
	small := withVersion(live(rec.User, "small now"), 1)
	mustSave(t, s, key, small)
	wantRecord(t, s, key, withVersion(small, 2), "a 1 MiB record updated to 9 bytes")
}

func testEmptyData(t *testing.T, s session.Store) {
	cases := []struct {
		name string
		data []byte
	}{
		{"zero-length", []byte{}},
		{"nil", nil},
	}
	for _, c := range cases {
		key := newKey(t)
		rec := live(newUser(t, "empty"), "")
		rec.Data = c.data
		mustSave(t, s, key, rec)
		got := mustLoad(t, s, key)
		if len(got.Data) != 0 {
			t.Errorf("%s Data: loaded %d bytes, want 0", c.name, len(got.Data))
		}
		if d := diffRecord(got, withVersion(rec, 1)); d != "" {
			t.Errorf("%s Data: loaded record differs: %s", c.name, d)
		}
		// From empty to data and back.
		full := withVersion(live(rec.User, "some data"), 1)
		mustSave(t, s, key, full)
		wantRecord(t, s, key, withVersion(full, 2), c.name+" Data updated to 9 bytes")
		empty := withVersion(live(rec.User, ""), 2)
		empty.Data = c.data
		mustSave(t, s, key, empty)
		if got := mustLoad(t, s, key); len(got.Data) != 0 || got.Version != 3 {
			t.Errorf("9 bytes updated to %s Data: loaded %d bytes, version %d; want 0 bytes, version 3", c.name, len(got.Data), got.Version)
		}
	}
}

func testCancelledContext(t *testing.T, s session.Store) {
	bg := context.Background()
	ctx, cancel := context.WithCancel(bg)
	cancel()
	wantCanceled := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context = %v, want an error wrapping context.Canceled", what, err)
		}
	}

	user := newUser(t, "ctx")
	key := newKey(t)
	rec := live(user, "untouched")
	mustSave(t, s, key, rec)
	want := withVersion(rec, 1)

	_, err := s.Load(ctx, key)
	wantCanceled("Load", err)

	fresh := newKey(t)
	wantCanceled("Save (create)", s.Save(ctx, fresh, live(user, "created")))
	wantNotFound(t, s, fresh, "Save (create) with a cancelled context must create nothing")

	wantCanceled("Save (update)", s.Save(ctx, key, withVersion(live(user, "updated"), 1)))
	n := now()
	wantCanceled("Touch", s.Touch(ctx, key, n, n.Add(5*time.Hour)))
	wantCanceled("Delete", s.Delete(ctx, key))
	wantCanceled("Setup", s.Setup(ctx))
	pruned, err := s.Prune(ctx, session.Filter{User: user})
	wantCanceled("Prune", err)
	if pruned != 0 {
		t.Errorf("Prune with a cancelled context reports %d deleted, want 0", pruned)
	}

	sawErr, entries, after := false, 0, 0
	for _, err := range s.List(ctx, session.Filter{User: user}) {
		switch {
		case sawErr:
			after++
		case err != nil:
			sawErr = true
			wantCanceled("List", err)
		default:
			entries++
		}
	}
	if !sawErr {
		t.Errorf("List with a cancelled context yielded %d records and no error, want an error wrapping context.Canceled", entries)
	}
	if after != 0 {
		t.Errorf("List went on yielding %d pairs after its error, want the error to end the sequence", after)
	}

	wantRecord(t, s, key, want, "after every method was called with a cancelled context")
	if got := list(t, s, session.Filter{User: user}); len(got) != 1 {
		t.Errorf("after every method was called with a cancelled context, List(User) yields %d records, want 1", len(got))
	}
}

func testInvalidKeys(t *testing.T, s session.Store) {
	ctx := context.Background()
	// A valid key with letters in it, so that its upper-case form differs.
	key := newKey(t)
	for strings.ToUpper(key) == key {
		key = newKey(t)
	}
	rec := live(newUser(t, "invalid"), "valid record")
	mustSave(t, s, key, rec)
	want := withVersion(rec, 1)
	intruder := newUser(t, "invalid-intruder")

	bad := []struct{ name, key string }{
		{"empty", ""},
		{"path traversal", "../x"},
		{"63 chars", key[:63]},
		{"65 chars", key + "0"},
		{"upper-case hex", strings.ToUpper(key)},
		{"non-hex letter", key[:63] + "g"},
		{"slash", key[:10] + "/" + key[11:]},
		{"traversal of 64 chars", "../" + key[3:]},
		{"NUL byte", key[:63] + "\x00"},
		{"non-ASCII", key[:62] + "é"},
		{"space", key[:63] + " "},
		{"SQL quote", key[:63] + "'"},
	}
	n := now()
	for _, b := range bad {
		if _, err := s.Load(ctx, b.key); !errors.Is(err, session.ErrInvalidKey) {
			t.Errorf("Load(%s key %q) = %v, want ErrInvalidKey", b.name, b.key, err)
		}
		if err := s.Save(ctx, b.key, live(intruder, "must not be stored")); !errors.Is(err, session.ErrInvalidKey) {
			t.Errorf("Save(%s key %q, create) = %v, want ErrInvalidKey", b.name, b.key, err)
		}
		if err := s.Save(ctx, b.key, withVersion(live(intruder, "must not be stored"), 1)); !errors.Is(err, session.ErrInvalidKey) {
			t.Errorf("Save(%s key %q, update) = %v, want ErrInvalidKey", b.name, b.key, err)
		}
		if err := s.Touch(ctx, b.key, n, n.Add(5*time.Hour)); !errors.Is(err, session.ErrInvalidKey) {
			t.Errorf("Touch(%s key %q) = %v, want ErrInvalidKey", b.name, b.key, err)
		}
		if err := s.Delete(ctx, b.key); !errors.Is(err, session.ErrInvalidKey) {
			t.Errorf("Delete(%s key %q) = %v, want ErrInvalidKey", b.name, b.key, err)
		}
	}
	wantRecord(t, s, key, want, "after calls with invalid keys, the valid record")
	if got := list(t, s, session.Filter{User: intruder}); len(got) != 0 {
		t.Errorf("Save with invalid keys stored %d records, want none", len(got))
	}
}

func testCapabilities(t *testing.T, s session.Store) {
	c := s.Capabilities()
	if c != s.Capabilities() {
		t.Errorf("Capabilities changed between two calls: %+v then %+v", c, s.Capabilities())
	}
	t.Logf("capabilities: %+v", c)
}

func testCloseIdempotent(t *testing.T, s session.Store) {
	ctx := context.Background()
	key := newKey(t)
	mustSave(t, s, key, live("", "before close"))
	for i := 0; i < 2; i++ {
		if err := s.Close(); err != nil {
			t.Fatalf("Close call #%d = %v, want nil", i+1, err)
		}
	}
	n := now()
	if _, err := s.Load(ctx, key); !errors.Is(err, session.ErrClosed) {
		t.Errorf("Load after Close = %v, want ErrClosed", err)
	}
	if err := s.Save(ctx, newKey(t), live("", "after close")); !errors.Is(err, session.ErrClosed) {
		t.Errorf("Save after Close = %v, want ErrClosed", err)
	}
	if err := s.Touch(ctx, key, n, n.Add(time.Hour)); !errors.Is(err, session.ErrClosed) {
		t.Errorf("Touch after Close = %v, want ErrClosed", err)
	}
	if err := s.Delete(ctx, key); !errors.Is(err, session.ErrClosed) {
		t.Errorf("Delete after Close = %v, want ErrClosed", err)
	}
	if _, err := s.Prune(ctx, session.Filter{User: newUser(t, "closed")}); !errors.Is(err, session.ErrClosed) {
		t.Errorf("Prune after Close = %v, want ErrClosed", err)
	}
	var listErr error
	for _, err := range s.List(ctx, session.Filter{User: newUser(t, "closed")}) {
		if err != nil {
			listErr = err
		}
	}
	if !errors.Is(listErr, session.ErrClosed) {
		t.Errorf("List after Close yielded error %v, want ErrClosed", listErr)
	}
}
