package scsimport

import (
	"bytes"
	"database/sql"
	"encoding/gob"
	"strings"
	"testing"
	"time"
)

func TestDecodeGob(t *testing.T) {
	deadline := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	var b bytes.Buffer
	aux := &struct {
		Deadline time.Time
		Values   map[string]interface{}
	}{deadline, map[string]interface{}{"userID": int64(9), "name": "ann", "raw": []byte{1, 2}}}
	if err := gob.NewEncoder(&b).Encode(&aux); err != nil {
		t.Fatal(err)
	}
	i, err := newImporter([]Option{WithUserKey("userID")})
	if err != nil {
		t.Fatal(err)
	}
	s, err := i.decode(b.Bytes())
	if err != nil || s == nil {
		t.Fatalf("decode: %v, %v", s, err)
	}
	if s.User != "9" || s.Values["name"] != "ann" || !s.Expires.Equal(deadline) || string(s.Values["raw"].([]byte)) != "\x01\x02" {
		t.Fatalf("decoded %+v", s)
	}
	i.now = func() time.Time { return deadline }
	if s, err := i.decode(b.Bytes()); s != nil || err != nil {
		t.Fatalf("a record at its deadline: %v, %v; want none", s, err)
	}
	if _, err := i.decode([]byte("garbage")); err == nil || !strings.Contains(err.Error(), "gob.Register") {
		t.Fatalf("garbage: %v", err)
	}
}

func TestOptionsRefused(t *testing.T) {
	db := &sql.DB{} // never used: the options are refused first
	if _, err := Postgres(db, WithPrefix("x:")); err == nil || !strings.Contains(err.Error(), "WithTable") {
		t.Errorf("WithPrefix on SQL: %v", err)
	}
	if _, err := MySQL(db, WithTable("s; DROP TABLE x")); err == nil || !strings.Contains(err.Error(), "WithTable") {
		t.Errorf("a bad table name: %v", err)
	}
	if _, err := Postgres(nil); err == nil {
		t.Error("a nil db accepted")
	}
	if _, err := Redis(nil); err == nil {
		t.Error("a nil client accepted")
	}
}

func TestValidToken(t *testing.T) {
	for s, want := range map[string]bool{
		strings.Repeat("A", 43): true, strings.Repeat("A", 42): false, strings.Repeat("A", 42) + "=": false,
		strings.Repeat("A", 42) + "+": false, "": false,
	} {
		if validToken(s) != want {
			t.Errorf("validToken(%q) = %v", s, !want)
		}
	}
}
