package mysqlstore

import (
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"

	"github.com/session2/session2/core/session"
)

// dsnDefaults are the parameters DSN adds unless the URL sets them.
var dsnDefaults = map[string]string{
	"parseTime":       "true",
	"loc":             "UTC",
	"clientFoundRows": "true",
}

// DSN turns a URL of the form
//
//	mysql://user:password@host:port/dbname?param=value
//	mysql://user:password@/dbname?socket=/run/mysqld/mysqld.sock
//
// into a data source name of github.com/go-sql-driver/mysql:
//
//	user:password@tcp(host:port)/dbname?clientFoundRows=true&loc=UTC&parseTime=true&param=value
//
// The port defaults to 3306, and the host to 127.0.0.1 when there is no
// socket parameter. Other parameters pass through to the driver, with
// parseTime=true, loc=UTC and clientFoundRows=true added unless the URL
// sets them: times come back as time.Time in UTC, and an UPDATE counts the
// rows it matched, so a Touch rewriting the times a row holds is one
// statement. The store's own parameters
// (see [sqlstore.URLParams]) must have been taken out already, as [sqlstore.OpenURL]
// does; the dialect's DSN method is this function.
func DSN(u *url.URL) (string, error) {
	if u.Scheme != "mysql" {
		return "", fmt.Errorf("%w: URL scheme %q, want mysql", session.ErrInvalidConfig, u.Scheme)
	}
	if u.Opaque != "" {
		return "", fmt.Errorf("%w: want mysql://user:password@host:port/dbname", session.ErrInvalidConfig)
	}
	var b strings.Builder
	if u.User != nil {
		name := u.User.Username()
		if strings.ContainsAny(name, ":@/") {
			return "", fmt.Errorf("%w: the user name holds ':', '@' or '/', which the driver's DSN cannot carry", session.ErrInvalidConfig)
		}
		b.WriteString(name)
		if pw, ok := u.User.Password(); ok {
			b.WriteString(":" + pw)
		}
		b.WriteString("@")
	}
	q := u.Query()
	socket := q.Get("socket")
	q.Del("socket")
	switch {
	case socket != "" && u.Host != "":
		return "", fmt.Errorf("%w: both a host and a socket", session.ErrInvalidConfig)
	case socket != "":
		b.WriteString("unix(" + socket + ")")
	default:
		host, port := u.Hostname(), u.Port()
		if host == "" {
			host = "127.0.0.1"
		}
		if port == "" {
			port = "3306"
		}
		b.WriteString("tcp(" + net.JoinHostPort(host, port) + ")")
	}
	db := strings.TrimPrefix(u.Path, "/")
	if strings.Contains(db, "/") {
		return "", fmt.Errorf("%w: database name %q holds a '/'", session.ErrInvalidConfig, db)
	}
	b.WriteString("/" + db)
	for k, v := range dsnDefaults {
		if !q.Has(k) {
			q.Set(k, v)
		}
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	sep := "?"
	for _, k := range keys {
		for _, v := range q[k] {
			b.WriteString(sep + k + "=" + url.QueryEscape(v))
			sep = "&"
		}
	}
	return b.String(), nil
}

// DSN makes the dialect a [sqlstore.DSNDialect]: store URLs reach the
// driver through [DSN].
func (dialect) DSN(u *url.URL) (string, error) { return DSN(u) }
