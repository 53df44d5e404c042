package mysqlstore

import (
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/go-sql-driver/mysql"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/sqlstore"
)

// deadlineDriver is go-sql-driver/mysql dialing through the
// DeadlineDriver's dialer.
var deadlineDriver = sqlstore.NewDeadlineDriver(func(dsn string, dial sqlstore.DialFunc) (driver.Connector, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	if cfg.ReadTimeout != 0 || cfg.WriteTimeout != 0 {
		return nil, fmt.Errorf("%w: readTimeout and writeTimeout set a deadline on every read and write, replacing the one each call of the store sets; leave them out of the DSN (the store's calls end by their contexts' deadlines), or open the handle with sql.Open", session.ErrInvalidConfig)
	}
	cfg.DialFunc = dial
	return mysql.NewConnector(cfg)
})

// Open returns a *sql.DB on the MySQL or MariaDB server dsn names (a
// github.com/go-sql-driver/mysql data source name, such as
// "app:pw@tcp(db:3306)/app?parseTime=true"; see [DSN] for a mysql:// URL),
// for [New]. It is go-sql-driver/mysql with connections that hold the
// store's calls to their contexts' deadlines on the socket (see
// [sqlstore.DeadlineDriver]), so the driver watches no context for them:
// on the driver's own handle every statement hands its context to the
// connection's watcher goroutine and back. The application may run its
// own queries on the handle too; they reach the driver as usual. The DSN
// must not set readTimeout or writeTimeout, and the connection is dialed
// over tcp or unix (a dialer registered with mysql.RegisterDialContext is
// not used). Opening connects to nothing: ping the handle to check the
// address.
func Open(dsn string) (*sql.DB, error) {
	c, err := deadlineDriver.OpenConnector(dsn)
	if err != nil {
		return nil, fmt.Errorf("mysqlstore: open: %w", err)
	}
	return sql.OpenDB(c), nil
}

// Driver returns the driver of [Open]'s handles, for wrapping in another
// connector (one that counts statements, say) before sql.OpenDB. A store
// knows such a handle by its driver (the *sql.DB's Driver method).
func Driver() driver.Driver { return deadlineDriver }

// DeadlineDriver returns Open's driver when d is go-sql-driver/mysql's, so
// that a store URL opened with the driver it registers runs on it (see
// [sqlstore.OpenDB]); nil otherwise.
func (dialect) DeadlineDriver(d driver.Driver) *sqlstore.DeadlineDriver {
	if _, ok := d.(*mysql.MySQLDriver); ok {
		return deadlineDriver
	}
	return nil
}
