package session

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"sync"
	"time"
)

// An offline import copies every session of another library into this
// package's own store ahead of the switch, so that the old store can be
// switched off at once: [CopyImporter.Put] writes a copy of one old
// session, and the CopyImporter, given to [WithImporter], hands it over
// when its user comes back with the old cookie.
//
// A copy is a Record under the key of copyKey (a hash of the old
// session's name, which no session token hashes to, so the old token is
// never stored in clear), whose User is the old session's (so that
// LogoutUser and Prune by user remove copies too), whose Expires is the
// old session's end, and whose Data is copyFormat followed by the gob of
// copyData.
const copyFormat byte = 0x49

// copyData is what a copy's Data holds after its format byte.
type copyData struct {
	Values  map[string]any
	Expires time.Time
}

// maxOldKey bounds the length of an old session's name (its cookie's
// value, or the key the old store kept it under).
const maxOldKey = 1024

// CopyImporter is the [Importer] of the copies an offline import wrote
// into the application's own store: see [ImportCopies]. It is safe for
// concurrent use.
type CopyImporter struct {
	store  Store
	cookie http.Cookie
	oldKey func(cookieValue string) string
	now    func() time.Time
}

var _ Importer = (*CopyImporter)(nil)

// A CopyOption configures a [CopyImporter].
type CopyOption func(*CopyImporter)

// CopyKeyFunc sets how the old cookie's value becomes the name under which
// [CopyImporter.Put] was given the session (default: the value itself).
// An old library that keyed its store by a hash of the token, so that
// the offline import never saw the tokens, needs that hash here (for scs's
// HashTokenInStore, scsimport.HashedTokenKey). f returning "" means no
// session.
func CopyKeyFunc(f func(cookieValue string) string) CopyOption {
	return func(c *CopyImporter) { c.oldKey = f }
}

// CopyClock sets the clock that judges whether a copy's session has ended
// (default time.Now), for tests. The store judges its records' expiry by
// its own clock as well.
func CopyClock(now func() time.Time) CopyOption {
	return func(c *CopyImporter) { c.now = now }
}

// ImportCopies returns the importer of the copies of another library's
// sessions kept in store: give it to [WithImporter] once an offline import
// (scsimport's CopyTo, or "sessionctl import") wrote them with
// [CopyImporter.Put]. oldCookie is the old library's cookie: its Name
// (required), Path (default "/") and Domain, as that library set them.
//
// A request that carries that cookie and no session of this manager gets
// the copy named by the cookie's value: logged in as its user, with its
// values, under a fresh token; the copy is deleted once the new session is
// committed, so that it serves once. A cookie that names no copy, or one
// whose session ended, starts a fresh session. The old store is not read:
// it may be switched off once the copies are written.
//
// The values were copied with encoding/gob, as the old library kept them:
// a value of one of the application's own types decodes only if the type
// is registered with gob.Register, as the old library required.
func ImportCopies(store Store, oldCookie http.Cookie, opts ...CopyOption) (*CopyImporter, error) {
	if isNilStore(store) {
		return nil, errors.New("session: ImportCopies: the store is nil")
	}
	if oldCookie.Name == "" || !validCookieName(oldCookie.Name) {
		return nil, fmt.Errorf("session: ImportCopies: %q is not a cookie name", oldCookie.Name)
	}
	if oldCookie.Path == "" {
		oldCookie.Path = "/"
	}
	c := &CopyImporter{store: store, cookie: http.Cookie{Name: oldCookie.Name, Path: oldCookie.Path, Domain: oldCookie.Domain},
		oldKey: func(v string) string { return v }, now: time.Now}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	if c.oldKey == nil || c.now == nil {
		return nil, errors.New("session: ImportCopies: a nil key function or clock")
	}
	registerCopyTypes()
	return c, nil
}

// isNilStore reports a nil Store, or an interface holding a nil pointer.
func isNilStore(s Store) bool {
	if s == nil {
		return true
	}
	v := reflect.ValueOf(s)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

var copyTypesOnce sync.Once

// registerCopyTypes registers time.Time with gob, which old libraries'
// values often hold, under gob's default name. A program that already
// registered it under another name keeps its own.
func registerCopyTypes() {
	copyTypesOnce.Do(func() {
		defer func() { recover() }()
		gob.Register(time.Time{})
	})
}

// Cookie returns the old library's cookie.
func (c *CopyImporter) Cookie() http.Cookie { return c.cookie }

// copyKey returns the store key of the copy of the old session oldKey.
// The hashed text starts with a prefix no session token has, so no
// session's key is a copy's.
func copyKey(oldKey string) string {
	h := sha256.Sum256([]byte("session2 import copy\x00" + oldKey))
	return hex.EncodeToString(h[:])
}

// validOldKey reports whether s may name an old session: not empty, not
// too long, and without control characters.
func validOldKey(s string) bool {
	if s == "" || len(s) > maxOldKey {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return false
		}
	}
	return true
}

// Import returns the copy of the old session named by r's cookie, nil
// when there is none or its session ended. One Load; the copy is deleted
// by the manager after the switch (Imported.Delete).
func (c *CopyImporter) Import(ctx context.Context, r *http.Request) (*Imported, error) {
	ck, err := r.Cookie(c.cookie.Name)
	if err != nil || !validOldKey(ck.Value) {
		return nil, nil
	}
	name := c.oldKey(ck.Value)
	if !validOldKey(name) {
		return nil, nil
	}
	key := copyKey(name)
	rec, err := c.store.Load(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load the copy: %w", err)
	}
	d, err := decodeCopy(rec.Data)
	if err != nil {
		return nil, err
	}
	if !c.now().Before(d.Expires) {
		return nil, nil
	}
	return &Imported{User: rec.User, Values: d.Values, Expires: d.Expires,
		Delete: func(ctx context.Context) error { return c.store.Delete(ctx, key) }}, nil
}

// decodeCopy decodes a copy's Data.
func decodeCopy(b []byte) (copyData, error) {
	var d copyData
	if !IsImportCopy(Record{Data: b}) {
		return d, errors.New("the record is not an import copy")
	}
	if err := gob.NewDecoder(bytes.NewReader(b[1:])).Decode(&d); err != nil {
		return copyData{}, fmt.Errorf("decode the copy: %w (values of the application's own types need gob.Register)", err)
	}
	return d, nil
}

// IsImportCopy reports whether rec is a copy of another library's session
// that [CopyImporter.Put] wrote, waiting for its user; administration
// tools may tell such records apart from sessions.
func IsImportCopy(rec Record) bool {
	return len(rec.Data) > 0 && rec.Data[0] == copyFormat
}

// Put writes a copy of the old session old, named oldKey: the old cookie's
// value, or the key the old store kept it under when that is what the
// importer's [CopyKeyFunc] turns the cookie's value into. old.User,
// old.Values and old.Expires are kept (Delete and Keep are not). It
// reports whether a copy is stored: false, and no error, for a session
// that has already ended.
//
// Put is idempotent: a copy already stored for oldKey is replaced (with
// compare-and-set) by the new one, or left alone when they are equal, so
// an offline import may run again, say just before the switch, to pick up
// the sessions begun since. A copy already used is written anew if the
// old session is still there: run the imports before the application
// starts to import copies, not while it does.
func (c *CopyImporter) Put(ctx context.Context, oldKey string, old *Imported) (bool, error) {
	switch {
	case old == nil:
		return false, errors.New("session: import copy: no session")
	case !validOldKey(oldKey):
		return false, fmt.Errorf("session: import copy: the old session's name is empty, longer than %d bytes, or holds control characters", maxOldKey)
	case old.Expires.IsZero():
		return false, errors.New("session: import copy: the session has no end (Imported.Expires); a copy must expire")
	}
	now := c.now()
	if !now.Before(old.Expires) {
		return false, nil
	}
	var buf bytes.Buffer
	buf.WriteByte(copyFormat)
	if err := gob.NewEncoder(&buf).Encode(copyData{Values: old.Values, Expires: old.Expires}); err != nil {
		return false, fmt.Errorf("session: import copy: encode: %w", err)
	}
	rec := Record{User: old.User, Data: buf.Bytes(), Created: now, Accessed: now, Expires: old.Expires}
	key := copyKey(oldKey)
	for attempt := 0; attempt < 5; attempt++ {
		err := c.store.Save(ctx, key, rec)
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, ErrConflict) {
			return false, fmt.Errorf("session: import copy: %w", err)
		}
		cur, err := c.store.Load(ctx, key)
		switch {
		case errors.Is(err, ErrNotFound):
			// Deleted meanwhile, or expired but not yet removed: clear
			// the way for a new record.
			if err := c.store.Delete(ctx, key); err != nil {
				return false, fmt.Errorf("session: import copy: %w", err)
			}
			rec.Version = 0
			continue
		case err != nil:
			return false, fmt.Errorf("session: import copy: %w", err)
		}
		if cur.User == rec.User && cur.Expires.Equal(rec.Expires) && bytes.Equal(cur.Data, rec.Data) {
			return true, nil
		}
		rec.Version, rec.Created = cur.Version, cur.Created
	}
	return false, fmt.Errorf("session: import copy: %w: the copy kept changing", ErrConflict)
}
