package scsimport

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"

	"github.com/session2/session2/core/session"
)

// HashedTokenKey is the key scs's store keeps a session under when the
// application set SessionManager.HashTokenInStore: the unpadded base64url
// SHA-256 of the token. After an offline import of such a store, give it
// to [session.CopyKeyFunc], since the import saw these keys, not the
// tokens.
func HashedTokenKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// CopyStats is what [Importer.CopyTo] did.
type CopyStats struct {
	// Copied counts the sessions written as copies.
	Copied int
	// Ended counts the sessions that ended during the run, which need no
	// copy.
	Ended int
	// Failed counts the records that did not decode (a value of a type
	// not registered with gob, a user value of the wrong type, a record
	// of another format): their users will have to log in again.
	Failed int
	// Errors holds why the first records failed (at most
	// [MaxCopyErrors]), each naming the record by the first characters
	// of its key.
	Errors []error
}

// MaxCopyErrors bounds [CopyStats].Errors.
const MaxCopyErrors = 10

// CopyTo writes every live scs session as a copy into dst, session2's
// store, for the offline import: once it returned, the application can
// switch to session2 with dst as its importer ([session.WithImporter])
// and the scs store can be switched off, and each user who comes back
// with scs's cookie is logged in with their values.
//
// A record that does not decode is counted as failed, not fatal; an
// error of either store ends the run. The scs records are left as they
// are. CopyTo may run again: a copy already written is replaced by the
// newer one (see [session.CopyImporter.Put]). Each copy is named by the
// session's key in scs's store: its token, or, for an application that
// set HashTokenInStore, the hash of it, and then the application's
// ImportCopies needs session.CopyKeyFunc([HashedTokenKey]).
func (i *Importer) CopyTo(ctx context.Context, dst *session.CopyImporter) (CopyStats, error) {
	var st CopyStats
	if dst == nil {
		return st, fmt.Errorf("scsimport: copy: the destination is nil")
	}
	err := i.src.all(ctx, func(key string, data []byte) error {
		s, err := i.decode(data)
		if err != nil {
			st.Failed++
			if len(st.Errors) < MaxCopyErrors {
				st.Errors = append(st.Errors, fmt.Errorf("scsimport: record %.8s…: %w", key, err))
			}
			return nil
		}
		if s == nil {
			st.Ended++ // between the store's filter and here
			return nil
		}
		ok, err := dst.Put(ctx, key, s)
		switch {
		case err != nil:
			return fmt.Errorf("scsimport: copy record %.8s…: %w", key, err)
		case ok:
			st.Copied++
		default:
			st.Ended++
		}
		return nil
	})
	return st, err
}
