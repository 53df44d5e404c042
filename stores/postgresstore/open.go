package postgresstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"net"
	"time"

	"github.com/lib/pq"

	"github.com/session2/session2/stores/sqlstore"
)

// deadlineDriver is lib/pq dialing through the DeadlineDriver's dialer.
var deadlineDriver = sqlstore.NewDeadlineDriver(func(dsn string, dial sqlstore.DialFunc) (driver.Connector, error) {
	c, err := pq.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	c.Dialer(pqDialer(dial))
	return c, nil
})

// Open returns a *sql.DB on the PostgreSQL server dsn names (a
// github.com/lib/pq data source name or postgres:// URL), for [New]. It
// is lib/pq with connections that hold the store's calls to their
// contexts' deadlines on the socket (see [sqlstore.DeadlineDriver]): the
// store then runs its statements on the request's goroutine, where on a
// handle of lib/pq's own each statement goes through a goroutine of the
// store's, since lib/pq cannot end a read that a hung server never
// answers. The application may run its own queries on the handle too;
// they reach lib/pq as usual. Opening connects to nothing: ping the
// handle to check the address.
func Open(dsn string) (*sql.DB, error) {
	c, err := deadlineDriver.OpenConnector(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgresstore: open: %w", err)
	}
	return sql.OpenDB(c), nil
}

// Driver returns the driver of [Open]'s handles, for wrapping in another
// connector (one that counts statements, say) before sql.OpenDB. A store
// knows such a handle by its driver (the *sql.DB's Driver method).
func Driver() driver.Driver { return deadlineDriver }

// pqDialer is a DialFunc as lib/pq's Dialer and DialerContext.
type pqDialer sqlstore.DialFunc

func (d pqDialer) Dial(network, address string) (net.Conn, error) {
	return d(context.Background(), network, address)
}

func (d pqDialer) DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return d(ctx, network, address)
}

func (d pqDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	return d(ctx, network, address)
}

// DeadlineDriver returns Open's driver when d is lib/pq's, so that a store
// URL opened with the driver lib/pq registers runs on it (see
// [sqlstore.OpenDB]); nil otherwise.
func (dialect) DeadlineDriver(d driver.Driver) *sqlstore.DeadlineDriver {
	if _, ok := d.(*pq.Driver); ok {
		return deadlineDriver
	}
	return nil
}
