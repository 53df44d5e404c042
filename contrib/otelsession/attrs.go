package otelsession

import (
	"context"
	"errors"
	"path"
	"reflect"
	"strings"

	"go.opentelemetry.io/otel/attribute"

	"github.com/session2/session2/core/session"
)

// The attribute keys this package sets.
const (
	// StoreKindKey names the store's implementation, such as "memstore".
	StoreKindKey = attribute.Key("session2.store.kind")
	// OperationKey names the store method: load, save, delete, touch,
	// setup, list or prune.
	OperationKey = attribute.Key("session2.store.operation")
	// OutcomeKey says how a store call ended: hit or miss (load), miss
	// (touch of a missing record), conflict (save), error, or ok.
	OutcomeKey = attribute.Key("session2.store.outcome")
	// RecordsKey, on list and prune spans, counts the records listed or
	// deleted.
	RecordsKey = attribute.Key("session2.store.records")
	// EventKindKey is the kind of a session event: the String of its
	// [session.EventKind], such as "created" or "store-error".
	EventKindKey = attribute.Key("session2.event.kind")
	// ErrorTypeKey is OpenTelemetry's error.type: a sentinel's name such
	// as "session.ErrClosed" or "context.DeadlineExceeded", the error's
	// type such as "net.OpError", or "_OTHER".
	ErrorTypeKey = attribute.Key("error.type")
	// DBSystemKey is OpenTelemetry's db.system, set for the stores that
	// talk to a database server.
	DBSystemKey = attribute.Key("db.system")
	// DBSystemNameKey is db.system.name, the newer name of db.system in
	// the semantic conventions; spans carry both.
	DBSystemNameKey = attribute.Key("db.system.name")
)

// Outcomes, the values of OutcomeKey.
const (
	outcomeOK = iota
	outcomeHit
	outcomeMiss
	outcomeConflict
	outcomeError
	numOutcomes
)

var outcomeNames = [numOutcomes]string{"ok", "hit", "miss", "conflict", "error"}

// sentinels are the errors error.type names rather than typing.
var sentinels = []struct {
	err  error
	name string
}{
	{context.Canceled, "context.Canceled"},
	{context.DeadlineExceeded, "context.DeadlineExceeded"},
	{session.ErrClosed, "session.ErrClosed"},
	{session.ErrInvalidKey, "session.ErrInvalidKey"},
	{session.ErrStoreFull, "session.ErrStoreFull"},
	{session.ErrTooLarge, "session.ErrTooLarge"},
	{session.ErrConflict, "session.ErrConflict"},
	{session.ErrNotFound, "session.ErrNotFound"},
}

// errorType returns the value of error.type for err: the name of a known
// sentinel it wraps, or the type of the outermost error in its chain that
// is not a mere wrapper (*fmt.wrapError, *errors.errorString, ...), or
// "_OTHER". Its values are few, as an attribute's must be; it never holds
// the error's message.
func errorType(err error) string {
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			return s.name
		}
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		t := reflect.TypeOf(e)
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Name() == "" || t.PkgPath() == "errors" || t.PkgPath() == "fmt" {
			continue
		}
		return t.String()
	}
	return "_OTHER"
}

// redact returns an error message with anything of the shape of a store
// key (64 hexadecimal digits) replaced, for a span's status: some stores
// name the record's file or key in their errors.
func redact(msg string) string {
	var b strings.Builder
	b.Grow(len(msg))
	for i := 0; i < len(msg); {
		j := i
		for j < len(msg) && isHex(msg[j]) {
			j++
		}
		if j == i {
			b.WriteByte(msg[i])
			i++
			continue
		}
		if j-i >= session.KeyLen {
			b.WriteString("[key]")
		} else {
			b.WriteString(msg[i:j])
		}
		i = j
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// dbSystemer is implemented by stores that name their database system.
type dbSystemer interface {
	DBSystem() string
}

// detect returns the store's kind (its package's name) and its db.system,
// as far as they can be told from its type.
func detect(s session.Store) (kind, dbSystem string) {
	t := reflect.TypeOf(s)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	kind = path.Base(t.PkgPath())
	if kind == "." || kind == "/" || kind == "" {
		kind = "unknown"
	}
	if ds, ok := s.(dbSystemer); ok {
		return kind, ds.DBSystem()
	}
	switch kind {
	case "redisstore":
		return kind, "redis"
	case "postgresstore":
		return kind, "postgresql"
	case "mysqlstore":
		return kind, "mysql"
	case "sqlstore":
		// The dialect packages return *sqlstore.Store; its handle's
		// driver name tells them apart.
		switch driverName(s) {
		case "postgres", "pgx", "postgresql":
			return "postgresstore", "postgresql"
		case "mysql":
			return "mysqlstore", "mysql"
		}
		return kind, "other_sql"
	}
	return kind, ""
}

// driverName returns the DriverName of the handle s.DB() returns (a
// *sqlx.DB for the SQL stores), or "" when s has no such method or it
// fails. It uses reflection so that this package does not depend on sqlx.
func driverName(s any) (name string) {
	defer func() {
		if recover() != nil {
			name = ""
		}
	}()
	m := reflect.ValueOf(s).MethodByName("DB")
	if !m.IsValid() || m.Type().NumIn() != 0 || m.Type().NumOut() != 1 {
		return ""
	}
	db := m.Call(nil)[0]
	if db.Kind() == reflect.Pointer && db.IsNil() {
		return ""
	}
	d := db.MethodByName("DriverName")
	if !d.IsValid() || d.Type().NumIn() != 0 || d.Type().NumOut() != 1 || d.Type().Out(0).Kind() != reflect.String {
		return ""
	}
	return d.Call(nil)[0].String()
}
