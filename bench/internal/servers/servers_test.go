package servers

import (
	"errors"
	"testing"
)

// TestNotSet checks that an unset variable gives ErrNotSet, which tests
// skip on, and a bad one another error, which they fail on.
func TestNotSet(t *testing.T) {
	t.Setenv("SESSION2_POSTGRES_DSN", "")
	t.Setenv("SESSION2_MYSQL_DSN", "")
	t.Setenv("SESSION2_REDIS_URL", "")
	_, err1 := PostgresDSN()
	_, err2 := MySQLConfig()
	_, err3 := RedisAddr()
	for _, err := range []error{err1, err2, err3} {
		if !errors.Is(err, ErrNotSet) {
			t.Errorf("%v, want ErrNotSet", err)
		}
	}
	t.Setenv("SESSION2_REDIS_URL", "redis://127.0.0.1:6379/1")
	if _, err := RedisAddr(); err == nil || errors.Is(err, ErrNotSet) {
		t.Errorf("database 1: %v, want an error other than ErrNotSet", err)
	}
	t.Setenv("SESSION2_MYSQL_DSN", "root@tcp(127.0.0.1:3306/test")
	if _, err := MySQLConfig(); err == nil || errors.Is(err, ErrNotSet) {
		t.Errorf("malformed DSN: %v, want an error other than ErrNotSet", err)
	}
}

// TestMySQLURL checks that a mysql:// URL is read as the DSN it names,
// with the settings mysqlstore needs.
func TestMySQLURL(t *testing.T) {
	t.Setenv("SESSION2_MYSQL_DSN", "mysql://root@127.0.0.1:3306/test")
	cfg, err := MySQLConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:3306" || cfg.DBName != "test" || cfg.User != "root" || !cfg.ParseTime || !cfg.ClientFoundRows {
		t.Errorf("config %+v", cfg)
	}
}
