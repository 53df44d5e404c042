package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/session2/session2/core/session"
)

// Load returns the record stored for key with one SELECT that excludes
// expired rows: [session.ErrNotFound] when there is none or it expired.
func (s *Store) Load(ctx context.Context, key string) (session.Record, error) {
	const op = "load"
	if err := s.begin(ctx, op); err != nil {
		return session.Record{}, err
	}
	if err := s.checkKey(op, key); err != nil {
		return session.Record{}, err
	}
	st, err := s.stmt(ctx, stLoad)
	if err != nil {
		return session.Record{}, s.fail(op, err)
	}
	rec, err := s.queryRecord(ctx, st, key, s.nowArg())
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return session.Record{}, fmt.Errorf("%s: %s: %w", s.name, op, session.ErrNotFound)
	case err != nil:
		return session.Record{}, s.fail(op, err)
	}
	return rec, nil
}

// Save stores rec with compare-and-set on its version, in one statement: a
// plain INSERT for a new record (rec.Version 0), which conflicts when the
// key exists, expired or not; an UPDATE ... WHERE session_key = ? AND
// version = ? otherwise, which conflicts when no row has that version. It
// is never an upsert, so a deleted record is never recreated.
func (s *Store) Save(ctx context.Context, key string, rec session.Record) error {
	const op = "save"
	if err := s.begin(ctx, op); err != nil {
		return err
	}
	if err := s.checkKey(op, key); err != nil {
		return err
	}
	if err := s.checkUser(rec.User); err != nil {
		return s.fail(op, err)
	}
	created, err := s.recordTime("created", rec.Created)
	if err != nil {
		return s.fail(op, err)
	}
	accessed, err := s.recordTime("accessed", rec.Accessed)
	if err != nil {
		return s.fail(op, err)
	}
	expires, err := s.recordTime("expires", rec.Expires)
	if err != nil {
		return s.fail(op, err)
	}
	data := rec.Data
	if data == nil {
		data = []byte{} // the column is NOT NULL
	}
	if rec.Version == 0 {
		st, err := s.stmt(ctx, stInsert)
		if err != nil {
			return s.fail(op, err)
		}
		res, err := s.exec(ctx, st, key, rec.User, data, created, accessed, expires)
		if err != nil {
			if s.d.IsDuplicate(err) {
				return fmt.Errorf("%s: %s: %w", s.name, op, session.ErrConflict)
			}
			return s.fail(op, err)
		}
		return s.oneRow(op, res, session.ErrConflict)
	}
	if rec.Version > math.MaxInt64-1 {
		// No stored row can hold this version.
		return fmt.Errorf("%s: %s: %w", s.name, op, session.ErrConflict)
	}
	st, err := s.stmt(ctx, stUpdate)
	if err != nil {
		return s.fail(op, err)
	}
	res, err := s.exec(ctx, st, rec.User, data, created, accessed, expires, key, int64(rec.Version))
	if err != nil {
		return s.fail(op, err)
	}
	// Every update bumps the version, so the row always changes and the
	// affected-row count means "matched" on every database.
	return s.oneRow(op, res, session.ErrConflict)
}

// oneRow checks that res affected a row, reporting none as sentinel.
func (s *Store) oneRow(op string, res sql.Result, none error) error {
	n, err := res.RowsAffected()
	if err != nil {
		return s.fail(op, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %s: %w", s.name, op, none)
	}
	return nil
}

// checkUser rejects a user the table cannot hold.
func (s *Store) checkUser(user string) error {
	if len(user) > MaxUserLen {
		return fmt.Errorf("user is %d bytes, longer than the limit of %d", len(user), MaxUserLen)
	}
	return s.d.CheckUser(user)
}

// Delete removes the record for key with one DELETE. Deleting a missing
// key is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	const op = "delete"
	if err := s.begin(ctx, op); err != nil {
		return err
	}
	if err := s.checkKey(op, key); err != nil {
		return err
	}
	st, err := s.stmt(ctx, stDelete)
	if err != nil {
		return s.fail(op, err)
	}
	if _, err := s.exec(ctx, st, key); err != nil {
		return s.fail(op, err)
	}
	return nil
}

// Touch sets a live record's accessed and expires times with one UPDATE,
// leaving its data and version alone: [session.ErrNotFound] when there is
// no live record for key. On a dialect whose affected-row count leaves out
// rows written with the values they held (MySQL without client-found-rows),
// a Touch that affected nothing costs a second statement to tell the two
// apart.
func (s *Store) Touch(ctx context.Context, key string, accessed, expires time.Time) error {
	const op = "touch"
	if err := s.begin(ctx, op); err != nil {
		return err
	}
	if err := s.checkKey(op, key); err != nil {
		return err
	}
	acc, err := s.recordTime("accessed", accessed)
	if err != nil {
		return s.fail(op, err)
	}
	exp, err := s.recordTime("expires", expires)
	if err != nil {
		return s.fail(op, err)
	}
	st, err := s.stmt(ctx, stTouch)
	if err != nil {
		return s.fail(op, err)
	}
	now := s.nowArg()
	res, err := s.exec(ctx, st, acc, exp, key, now)
	if err != nil {
		return s.fail(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.fail(op, err)
	}
	if n > 0 {
		return nil
	}
	if !s.d.CountsMatchedRows() {
		alive, err := s.stmt(ctx, stAlive)
		if err != nil {
			return s.fail(op, err)
		}
		_, err = await(ctx, func() (int, error) {
			var one int
			err := alive.QueryRowContext(ctx, key, now).Scan(&one)
			return one, err
		})
		switch {
		case err == nil:
			return nil // the row holds these times already
		case !errors.Is(err, sql.ErrNoRows):
			return s.fail(op, err)
		}
	}
	return fmt.Errorf("%s: %s: %w", s.name, op, session.ErrNotFound)
}
