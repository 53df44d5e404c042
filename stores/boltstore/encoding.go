package boltstore

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"time"

	"github.com/session2/session2/core/session"
	"go.etcd.io/bbolt"
)

// The layout inside the top-level bucket (see [WithBucket]):
//
//	meta     "schema" -> uint32 big-endian schema version
//	records  key (32 bytes) -> encoded record (see encodeRecord)
//	expiry   sortable expiry time (12 bytes) + key -> empty
//	users    user + 0x00 + key -> empty, for records with a user
//
// A key is the 32 bytes whose lowercase hex is the store key. Both index
// buckets are written in the same transaction as the record they describe.
var (
	bucketMeta    = []byte("meta")
	bucketRecords = []byte("records")
	bucketExpiry  = []byte("expiry")
	bucketUsers   = []byte("users")
	metaSchema    = []byte("schema")
)

const (
	// schemaVersion is the version of the bucket layout, kept in meta.
	schemaVersion = 1
	// formatV1 is the first byte of a record encoded by this package.
	formatV1 = 1

	rawKeyLen = 32
	timeLen   = 12
	// headerLen: format byte, version, created, accessed, expires.
	headerLen = 1 + 8 + 3*timeLen

	// MaxUserLen is the longest user name the store accepts, so that an
	// entry of the user index fits in a bbolt key.
	MaxUserLen = bbolt.MaxKeySize - 1 - rawKeyLen
)

// errCorrupt reports a record this package cannot decode.
var errCorrupt = errors.New("corrupt record")

// parseKey turns a store key into its 32 raw bytes.
func parseKey(key string) (k [rawKeyLen]byte, ok bool) {
	if !session.IsKey(key) {
		return k, false
	}
	if _, err := hex.Decode(k[:], []byte(key)); err != nil {
		return k, false
	}
	return k, true
}

// putTime writes t in 12 bytes that sort as t does: seconds since the Unix
// epoch with the sign bit flipped, then nanoseconds, both big-endian.
func putTime(b []byte, t time.Time) {
	binary.BigEndian.PutUint64(b, uint64(t.Unix())^(1<<63))
	binary.BigEndian.PutUint32(b[8:], uint32(t.Nanosecond()))
}

func getTime(b []byte) (time.Time, bool) {
	sec := int64(binary.BigEndian.Uint64(b) ^ (1 << 63))
	nsec := binary.BigEndian.Uint32(b[8:])
	if nsec >= 1e9 {
		return time.Time{}, false
	}
	return time.Unix(sec, int64(nsec)), true
}

// encodeRecord encodes rec in a fresh slice:
//
//	format byte (1) | version uint64 | created | accessed | expires |
//	uvarint len(user) | user | data
func encodeRecord(rec session.Record) []byte {
	n := headerLen + binary.MaxVarintLen64 + len(rec.User) + len(rec.Data)
	b := make([]byte, headerLen, n)
	b[0] = formatV1
	binary.BigEndian.PutUint64(b[1:], rec.Version)
	putTime(b[9:], rec.Created)
	putTime(b[9+timeLen:], rec.Accessed)
	putTime(b[9+2*timeLen:], rec.Expires)
	b = binary.AppendUvarint(b, uint64(len(rec.User)))
	b = append(b, rec.User...)
	return append(b, rec.Data...)
}

// view is a decoded record whose user and data alias the encoded bytes: it
// is valid only as long as they are (inside the bbolt transaction).
type view struct {
	version                   uint64
	created, accessed, expire time.Time
	rawExpire                 []byte // expire as encoded, for the index
	user, data                []byte
}

func decodeRecord(b []byte) (view, error) {
	var v view
	if len(b) < headerLen+1 || b[0] != formatV1 {
		return v, errCorrupt
	}
	v.version = binary.BigEndian.Uint64(b[1:])
	var ok1, ok2, ok3 bool
	v.created, ok1 = getTime(b[9:])
	v.accessed, ok2 = getTime(b[9+timeLen:])
	v.rawExpire = b[9+2*timeLen : headerLen : headerLen]
	v.expire, ok3 = getTime(v.rawExpire)
	if !ok1 || !ok2 || !ok3 {
		return v, errCorrupt
	}
	rest := b[headerLen:]
	n, w := binary.Uvarint(rest)
	if w <= 0 || n > uint64(len(rest)-w) {
		return v, errCorrupt
	}
	rest = rest[w:]
	v.user, v.data = rest[:n:n], rest[n:]
	return v, nil
}

// record copies v out of the transaction's memory.
func (v view) record() session.Record {
	return session.Record{
		User:     string(v.user),
		Data:     append([]byte{}, v.data...),
		Created:  v.created,
		Accessed: v.accessed,
		Expires:  v.expire,
		Version:  v.version,
	}
}

// match reports whether v matches f, like [session.Filter.Match].
func (v view) match(f session.Filter) bool {
	if f.User != "" && string(v.user) != f.User {
		return false
	}
	if !f.ExpiresBefore.IsZero() && v.expire.After(f.ExpiresBefore) {
		return false
	}
	if !f.AccessedBefore.IsZero() && !v.accessed.Before(f.AccessedBefore) {
		return false
	}
	return true
}

// expiryKey is the expiry index entry of key k expiring at the encoded
// time t (see putTime).
func expiryKey(t, k []byte) []byte {
	b := make([]byte, 0, timeLen+rawKeyLen)
	b = append(b, t[:timeLen]...)
	return append(b, k...)
}

// userPrefix is what every user index entry of user starts with.
func userPrefix(user string) []byte {
	b := make([]byte, 0, len(user)+1+rawKeyLen)
	b = append(b, user...)
	return append(b, 0)
}

// userKey is the user index entry of key k belonging to user.
func userKey[S string | []byte](user S, k []byte) []byte {
	b := make([]byte, 0, len(user)+1+rawKeyLen)
	b = append(b, user...)
	b = append(b, 0)
	return append(b, k...)
}
