package filestore

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"time"

	"github.com/session2/session2/core/session"
)

// The record file format, version 1. All integers are little-endian.
//
// A file is a fixed header, two touch slots, then the user name and the
// encoded session:
//
//	fixed header (80 bytes, written once by Save, never changed in place)
//	  0  magic "S2FS"
//	  4  format version (uint16) = 1
//	  6  header length (uint16) = 160
//	  8  the key, 32 bytes (the hex key decoded)
//	 40  version (uint64)
//	 48  created: Unix seconds (int64)
//	 56  created: nanoseconds (uint32)
//	 60  user length (uint32)
//	 64  data length (uint32)
//	 68  CRC-32C of user and data
//	 72  reserved, zero
//	 76  CRC-32C of bytes 0..76
//	slot 0 at 80 and slot 1 at 120 (40 bytes each, rewritten in place by Touch)
//	  0  sequence (uint64); 0 marks an unused slot
//	  8  accessed: Unix seconds (int64)
//	 16  expires: Unix seconds (int64)
//	 24  accessed: nanoseconds (uint32)
//	 28  expires: nanoseconds (uint32)
//	 32  reserved, zero
//	 36  CRC-32C of slot bytes 0..36, continued from the fixed header's CRC
//	160  user, then data
//
// The valid slot with the higher sequence holds the current access and
// expiry times. Touch writes the other slot, so a torn or half-seen Touch
// leaves the previous slot in force: a reader never needs a lock.
const (
	fileMagic     = "S2FS"
	formatVersion = 1
	fixedLen      = 80
	slotLen       = 40
	headerLen     = fixedLen + 2*slotLen
	// maxFileSize bounds what Load will read; larger files are refused as
	// corrupt, larger records by Save with session.ErrTooLarge.
	maxFileSize = 64 << 20
)

// ErrCorrupt is wrapped, together with [session.ErrNotFound], by the errors
// for record files that cannot be trusted: truncated, zero-length, garbage,
// a failed checksum, a record stored under another key's name, a symbolic
// link, or a file not owned by the process's user. The manager treats such
// a record as absent; the store also reports it through the function given
// to [WithErrorHandler].
var ErrCorrupt = errors.New("filestore: corrupt record file")

var errShortRead = errors.New("unexpected end of file")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// header is the decoded fixed header and current slot of a record file.
type header struct {
	version  uint64
	created  time.Time
	userLen  int
	dataLen  int
	bodyCRC  uint32
	fixedCRC uint32
	slot     int    // index of the current slot
	seq      uint64 // its sequence
	accessed time.Time
	expires  time.Time
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %w: "+format, append([]any{session.ErrNotFound, ErrCorrupt}, args...)...)
}

// keyBytes decodes a key already checked by session.IsKey.
func keyBytes(key string) (k [32]byte) {
	hex.Decode(k[:], []byte(key)) // key is valid hex
	return k
}

func putTime(b []byte, secOff, nsecOff int, t time.Time) {
	binary.LittleEndian.PutUint64(b[secOff:], uint64(t.Unix()))
	binary.LittleEndian.PutUint32(b[nsecOff:], uint32(t.Nanosecond()))
}

func getTime(b []byte, secOff, nsecOff int) (time.Time, bool) {
	sec := int64(binary.LittleEndian.Uint64(b[secOff:]))
	nsec := binary.LittleEndian.Uint32(b[nsecOff:])
	if nsec >= 1e9 {
		return time.Time{}, false
	}
	return time.Unix(sec, int64(nsec)).UTC(), true
}

// encodeRecord returns the whole file for rec stored under key with the
// given version.
func encodeRecord(key string, rec session.Record, version uint64) ([]byte, error) {
	// In int64, so that the sum cannot overflow where int has 32 bits; the
	// limit also keeps each length within the header's 32-bit fields.
	if n := int64(len(rec.User)) + int64(len(rec.Data)); n > maxFileSize-headerLen {
		return nil, fmt.Errorf("%w (%d bytes of user and data; the file store keeps at most %d)",
			session.ErrTooLarge, n, maxFileSize-headerLen)
	}
	b := make([]byte, headerLen+len(rec.User)+len(rec.Data))
	copy(b[0:4], fileMagic)
	binary.LittleEndian.PutUint16(b[4:], formatVersion)
	binary.LittleEndian.PutUint16(b[6:], headerLen)
	k := keyBytes(key)
	copy(b[8:40], k[:])
	binary.LittleEndian.PutUint64(b[40:], version)
	putTime(b, 48, 56, rec.Created)
	binary.LittleEndian.PutUint32(b[60:], uint32(len(rec.User)))
	binary.LittleEndian.PutUint32(b[64:], uint32(len(rec.Data)))
	copy(b[headerLen:], rec.User)
	copy(b[headerLen+len(rec.User):], rec.Data)
	binary.LittleEndian.PutUint32(b[68:], crc32.Checksum(b[headerLen:], castagnoli))
	fixedCRC := crc32.Checksum(b[:76], castagnoli)
	binary.LittleEndian.PutUint32(b[76:], fixedCRC)
	putSlot(b[fixedLen:fixedLen+slotLen], fixedCRC, 1, rec.Accessed, rec.Expires)
	return b, nil
}

// putSlot fills a 40-byte slot.
func putSlot(s []byte, fixedCRC uint32, seq uint64, accessed, expires time.Time) {
	binary.LittleEndian.PutUint64(s[0:], seq)
	putTime(s, 8, 24, accessed)
	putTime(s, 16, 28, expires)
	binary.LittleEndian.PutUint32(s[32:], 0)
	binary.LittleEndian.PutUint32(s[36:], slotCRC(s, fixedCRC))
}

// slotCRC is the CRC-32C of the slot's first 36 bytes, continued from the
// fixed header's CRC, so that a slot only checks out in its own record.
func slotCRC(s []byte, fixedCRC uint32) uint32 {
	return crc32.Update(fixedCRC, castagnoli, s[:36])
}

// parseHeader decodes and checks the first headerLen bytes of a record
// file of the given size stored under key.
func parseHeader(key string, b []byte, size int64) (header, error) {
	var h header
	if size < headerLen || len(b) < headerLen {
		return h, corrupt("%d bytes, shorter than a header", size)
	}
	if string(b[0:4]) != fileMagic {
		return h, corrupt("not a session record")
	}
	if v := binary.LittleEndian.Uint16(b[4:]); v != formatVersion {
		return h, corrupt("format version %d, want %d", v, formatVersion)
	}
	h.fixedCRC = binary.LittleEndian.Uint32(b[76:])
	if crc32.Checksum(b[:76], castagnoli) != h.fixedCRC {
		return h, corrupt("header checksum mismatch")
	}
	if binary.LittleEndian.Uint16(b[6:]) != headerLen {
		return h, corrupt("header length mismatch")
	}
	if k := keyBytes(key); string(b[8:40]) != string(k[:]) {
		return h, corrupt("record belongs to another key")
	}
	h.version = binary.LittleEndian.Uint64(b[40:])
	var ok bool
	if h.created, ok = getTime(b, 48, 56); !ok {
		return h, corrupt("bad created time")
	}
	h.userLen = int(binary.LittleEndian.Uint32(b[60:]))
	h.dataLen = int(binary.LittleEndian.Uint32(b[64:]))
	h.bodyCRC = binary.LittleEndian.Uint32(b[68:])
	if want := int64(headerLen) + int64(h.userLen) + int64(h.dataLen); want != size {
		return h, corrupt("%d bytes, header says %d", size, want)
	}
	h.slot = -1
	for i := 0; i < 2; i++ {
		s := b[fixedLen+i*slotLen : fixedLen+(i+1)*slotLen]
		seq := binary.LittleEndian.Uint64(s[0:])
		if seq == 0 || binary.LittleEndian.Uint32(s[36:]) != slotCRC(s, h.fixedCRC) {
			continue
		}
		acc, ok1 := getTime(s, 8, 24)
		exp, ok2 := getTime(s, 16, 28)
		if !ok1 || !ok2 {
			continue
		}
		if h.slot < 0 || seq > h.seq {
			h.slot, h.seq, h.accessed, h.expires = i, seq, acc, exp
		}
	}
	if h.slot < 0 {
		return h, corrupt("no valid access slot")
	}
	return h, nil
}

// checkBody verifies the user and data that follow the header.
func (h *header) checkBody(body []byte) error {
	if len(body) != h.userLen+h.dataLen {
		return corrupt("body length mismatch")
	}
	if crc32.Checksum(body, castagnoli) != h.bodyCRC {
		return corrupt("body checksum mismatch")
	}
	return nil
}
