// Package servers reads the environment variables that name the database
// servers the benchmarks and tools run against: SESSION2_POSTGRES_DSN,
// SESSION2_MYSQL_DSN and SESSION2_REDIS_URL.
package servers

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	goredis "github.com/redis/go-redis/v9"

	s2mysql "github.com/session2/session2/stores/mysqlstore"
)

// ErrNotSet is the error of a server whose variable is not set: tests
// skip on it, the tools report it.
var ErrNotSet = errors.New("not set")

// PostgresDSN returns SESSION2_POSTGRES_DSN.
func PostgresDSN() (string, error) {
	dsn := os.Getenv("SESSION2_POSTGRES_DSN")
	if dsn == "" {
		return "", fmt.Errorf("SESSION2_POSTGRES_DSN is %w: no PostgreSQL", ErrNotSet)
	}
	return dsn, nil
}

// MySQLConfig returns SESSION2_MYSQL_DSN, a go-sql-driver DSN or a
// mysql:// URL, with what mysqlstore needs set: parsed times in UTC and
// found rows counted.
func MySQLConfig() (*mysql.Config, error) {
	raw := os.Getenv("SESSION2_MYSQL_DSN")
	if raw == "" {
		return nil, fmt.Errorf("SESSION2_MYSQL_DSN is %w: no MySQL", ErrNotSet)
	}
	if strings.HasPrefix(raw, "mysql://") {
		u, err := url.Parse(raw)
		if err == nil {
			raw, err = s2mysql.DSN(u)
		}
		if err != nil {
			return nil, fmt.Errorf("SESSION2_MYSQL_DSN: %w", err)
		}
	}
	cfg, err := mysql.ParseDSN(raw)
	if err != nil {
		return nil, fmt.Errorf("SESSION2_MYSQL_DSN: %w", err)
	}
	cfg.ParseTime, cfg.ClientFoundRows, cfg.Loc = true, true, time.UTC
	return cfg, nil
}

// RedisAddr returns the address of the server SESSION2_REDIS_URL names,
// which must use database 0.
func RedisAddr() (string, error) {
	raw := os.Getenv("SESSION2_REDIS_URL")
	if raw == "" {
		return "", fmt.Errorf("SESSION2_REDIS_URL is %w (for example redis://127.0.0.1:6379/0)", ErrNotSet)
	}
	o, err := goredis.ParseURL(raw)
	if err != nil {
		return "", fmt.Errorf("SESSION2_REDIS_URL: %w", err)
	}
	if o.DB != 0 {
		return "", errors.New("SESSION2_REDIS_URL: the benchmarks use database 0")
	}
	return o.Addr, nil
}

// Unique returns a suffix for the name of a table, database or key prefix
// of a run's own.
func Unique() string { return fmt.Sprintf("%x", time.Now().UnixNano()) }
