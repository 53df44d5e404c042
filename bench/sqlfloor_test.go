package bench

import (
	"bytes"
	"database/sql"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/session2/session2/bench/internal/tput"
)

// The raw SQL floor: what any session library on a SQL database must do
// per request, and nothing more. It serves tput.App's paths on session2's
// own table and *sql.DB, with the same driver:
//
//   - /prime inserts a row (untimed) and sets its key as the cookie;
//   - /read runs one prepared SELECT of the row's columns by key (live
//     rows only, as session2's Load), scans them, and checks the data
//     holds the name;
//   - /write does the same SELECT, then one prepared UPDATE of the data,
//     times and version, compare-and-set on the version read.
//
// It hashes no token, decodes no envelope and bounds no call: the cookie
// holds the key verbatim and the statements run on the request's context.

// floorSQL is the text of the floor's statements, in a dialect's
// placeholders.
type floorSQL struct{ insert, load, update string }

// floorStatements returns the floor's statements on table with
// placeholders ph(1), ph(2)...
func floorStatements(table string, ph func(int) string) floorSQL {
	return floorSQL{
		insert: "INSERT INTO " + table + " (session_key, user_name, data, created, accessed, expires, version) VALUES (" +
			ph(1) + ", " + ph(2) + ", " + ph(3) + ", " + ph(4) + ", " + ph(5) + ", " + ph(6) + ", 1)",
		load: "SELECT user_name, data, created, accessed, expires, version FROM " + table +
			" WHERE session_key = " + ph(1) + " AND expires > " + ph(2),
		update: "UPDATE " + table + " SET data = " + ph(1) + ", accessed = " + ph(2) + ", expires = " + ph(3) +
			", version = version + 1 WHERE session_key = " + ph(4) + " AND version = " + ph(5),
	}
}

// pgPlaceholder is PostgreSQL's $n; mysqlPlaceholder MySQL's ?.
func pgPlaceholder(n int) string  { return "$" + strconv.Itoa(n) }
func mysqlPlaceholder(int) string { return "?" }

// floorHandler returns the floor on db, its statements prepared once.
func floorHandler(tb testing.TB, db *sql.DB, q floorSQL) http.Handler {
	tb.Helper()
	load, err := db.Prepare(q.load)
	if err != nil {
		tb.Fatalf("floor: prepare %s: %v", q.load, err)
	}
	update, err := db.Prepare(q.update)
	if err != nil {
		tb.Fatalf("floor: prepare %s: %v", q.update, err)
	}
	tb.Cleanup(func() { load.Close(); update.Close() })
	var n, keys atomic.Int64
	n.Store(1000)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		ctx := r.Context()
		now := time.Now().UTC()
		if r.URL.Path == "/prime" {
			key := fmt.Sprintf("floor%059d", keys.Add(1))
			if _, err := db.ExecContext(ctx, q.insert, key, "", []byte(`{"name":"alice"}`), now, now, now.Add(tput.IdleTimeout)); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			http.SetCookie(w, &http.Cookie{Name: tput.CookieName, Value: key, Path: "/", HttpOnly: true})
			_, _ = w.Write(okBody)
			return
		}
		c, err := r.Cookie(tput.CookieName)
		if err != nil {
			http.Error(w, "no cookie", http.StatusBadRequest)
			return
		}
		var (
			user                      string
			data                      []byte
			created, accessed, expiry time.Time
			version                   int64
		)
		if err := load.QueryRowContext(ctx, c.Value, now).Scan(&user, &data, &created, &accessed, &expiry, &version); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if !bytes.Contains(data, []byte(`"alice"`)) {
			http.Error(w, "no name in "+string(data), http.StatusInternalServerError)
			return
		}
		switch r.URL.Path {
		case "/read":
		case "/write":
			data = strconv.AppendInt(append(data[:0], `{"n":`...), n.Add(1), 10)
			data = append(data, `,"name":"alice"}`...)
			res, err := update.ExecContext(ctx, data, now, now.Add(tput.IdleTimeout), c.Value, version)
			if err == nil {
				var rows int64
				if rows, err = res.RowsAffected(); err == nil && rows != 1 {
					err = fmt.Errorf("version %d changed meanwhile", version)
				}
			}
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
		default:
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(okBody)
	})
}
