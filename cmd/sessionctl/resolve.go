package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/session2/session2/core/session"
)

// minPrefix is the shortest key prefix show and rm accept.
const minPrefix = 4

// checkKeyArg checks the shape of a KEY argument: a store key or a prefix
// of one, in hexadecimal. It never repeats an argument that looks like a
// session token, which is a secret.
func checkKeyArg(cmd, arg string) error {
	if looksLikeToken(arg) {
		return usagef(cmd, "%s: KEY looks like a session token (a cookie value), which is a secret: give the store key that 'sessionctl ls' shows", cmd)
	}
	k := strings.ToLower(arg)
	if !isHex(k) {
		return usagef(cmd, "%s: KEY %s is not hexadecimal: give a store key, or a unique prefix of one, as 'sessionctl ls' shows", cmd, shorten(printable(arg)))
	}
	if len(k) < minPrefix {
		return usagef(cmd, "%s: key prefix %s is too short: give at least %d characters", cmd, k, minPrefix)
	}
	if len(k) > session.KeyLen {
		return usagef(cmd, "%s: KEY has %d characters, more than a store key's %d", cmd, len(k), session.KeyLen)
	}
	return nil
}

// shorten cuts a long string for an error message.
func shorten(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// looksLikeToken reports whether s has the shape of a session token: 43
// characters of the base64url alphabet, not all of them hexadecimal.
func looksLikeToken(s string) bool {
	if len(s) != 43 || isHex(strings.ToLower(s)) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
		if !ok {
			return false
		}
	}
	return true
}

// resolve finds the session whose key is arg or starts with arg (checked
// by checkKeyArg), expired or not. A full key costs one Load when the
// session is live; a prefix costs a listing of the store.
func (a *app) resolve(ctx context.Context, s session.Store, arg string) (session.Entry, error) {
	k := strings.ToLower(arg)
	f := session.Filter{}
	what := "key prefix"
	if len(k) == session.KeyLen {
		what = "key"
		rec, err := s.Load(ctx, k)
		if err == nil {
			return session.Entry{Key: k, Record: rec}, nil
		}
		if !errors.Is(err, session.ErrNotFound) {
			return session.Entry{}, fmt.Errorf("loading session %s: %w", k, err)
		}
		// Not live; it may still be stored, expired.
		f.ExpiresBefore = a.now()
	}
	var found []session.Entry
	for e, err := range s.List(ctx, f) {
		if err != nil {
			return session.Entry{}, fmt.Errorf("looking for %s %s: %w", what, k, err)
		}
		if strings.HasPrefix(e.Key, k) {
			found = append(found, e)
			if len(found) > 1 {
				break
			}
		}
	}
	switch len(found) {
	case 0:
		return session.Entry{}, fmt.Errorf("no session with %s %s (list them with 'sessionctl ls -all')", what, k)
	case 1:
		return found[0], nil
	}
	return session.Entry{}, fmt.Errorf("key prefix %s matches several sessions (%s…, %s…): give more characters",
		k, found[0].Key[:min(len(found[0].Key), 20)], found[1].Key[:min(len(found[1].Key), 20)])
}
