package scsimport

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/redis/go-redis/v9"
)

// redisSource reads scs's keys "<prefix><token>".
type redisSource struct {
	c      redis.UniversalClient
	prefix string
}

// Redis returns an importer of the sessions scs's redisstore (or
// goredisstore) kept in Redis, under the key prefix "scs:session:" unless
// [WithPrefix]. c is the application's go-redis client; scs wrote with
// redigo, but the records are plain strings.
func Redis(c redis.UniversalClient, opts ...Option) (*Importer, error) {
	if c == nil || (reflect.ValueOf(c).Kind() == reflect.Pointer && reflect.ValueOf(c).IsNil()) {
		return nil, errors.New("scsimport: redis: the client is nil")
	}
	i, err := newImporter(opts)
	if err != nil {
		return nil, err
	}
	if i.tableSet {
		return nil, errors.New("scsimport: redis: WithTable is for the SQL stores; Redis takes WithPrefix")
	}
	if !i.prefixSet {
		i.prefix = "scs:session:"
	}
	i.src = &redisSource{c: c, prefix: i.prefix}
	return i, nil
}

func (s *redisSource) find(ctx context.Context, key string) ([]byte, bool, error) {
	b, err := s.c.Get(ctx, s.prefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("scsimport: find: %w", err)
	}
	return b, true, nil
}

func (s *redisSource) delete(ctx context.Context, key string) error {
	if err := s.c.Del(ctx, s.prefix+key).Err(); err != nil {
		return fmt.Errorf("scsimport: delete: %w", err)
	}
	return nil
}

// all scans the prefix (SCAN, in bounded memory) and reads each key; a key
// that expired between the two is skipped.
func (s *redisSource) all(ctx context.Context, yield func(key string, data []byte) error) error {
	iter := s.c.Scan(ctx, 0, escapeGlob(s.prefix)+"*", 500).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		b, ok, err := s.find(ctx, k[len(s.prefix):])
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if err := yield(k[len(s.prefix):], b); err != nil {
			return err
		}
	}
	if err := iter.Err(); err != nil {
		return fmt.Errorf("scsimport: list: %w", err)
	}
	return nil
}

// escapeGlob escapes the glob characters of a SCAN pattern.
func escapeGlob(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*', '?', '[', ']', '\\':
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return string(b)
}
