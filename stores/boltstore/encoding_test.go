package boltstore

import (
	"bytes"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
)

func TestTimeEncodingSorts(t *testing.T) {
	times := []time.Time{
		{}, // the zero time, year 1
		time.Unix(-1, 999999999),
		time.Unix(0, 0),
		time.Unix(0, 1),
		time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
	}
	var prev []byte
	for i, tm := range times {
		b := make([]byte, timeLen)
		putTime(b, tm)
		got, ok := getTime(b)
		if !ok || !got.Equal(tm) {
			t.Fatalf("%v round-tripped to %v, %v", tm, got, ok)
		}
		if i > 0 && bytes.Compare(prev, b) >= 0 {
			t.Fatalf("%v does not sort after %v", tm, times[i-1])
		}
		prev = b
	}
}

// FuzzDecodeRecord feeds arbitrary bytes to the decoder: it must never
// panic, and what it accepts must encode back to the same bytes when the
// user length is encoded canonically.
func FuzzDecodeRecord(f *testing.F) {
	now := time.Date(2031, 1, 2, 3, 4, 5, 6, time.UTC)
	f.Add(encodeRecord(session.Record{User: "alice", Data: []byte(`{"a":1}`), Created: now, Accessed: now, Expires: now.Add(time.Hour), Version: 3}))
	f.Add(encodeRecord(session.Record{}))
	f.Add([]byte{})
	f.Add([]byte{formatV1})
	f.Add(bytes.Repeat([]byte{0xff}, headerLen+3))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := decodeRecord(b)
		if err != nil {
			return
		}
		rec := v.record()
		again := encodeRecord(rec)
		if len(again) == len(b) && !bytes.Equal(again, b) {
			t.Fatalf("decode/encode changed %x into %x", b, again)
		}
		if len(v.rawExpire) != timeLen || len(rec.User) > len(b) {
			t.Fatalf("bad view of %x", b)
		}
	})
}
