package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/boltstore"
)

// exampleStore is the store URL used in hints.
const exampleStore = "file:/var/lib/app/sessions"

// storeURLOf returns the store URL from -store or the environment.
func (a *app) storeURLOf(cmd string) (string, error) {
	raw := a.storeURL
	if raw == "" {
		raw = a.getenv(storeEnv)
	}
	if raw == "" {
		return "", usagef(cmd, "no store given: pass -store URL or set %s, e.g. -store %s", storeEnv, exampleStore)
	}
	return raw, nil
}

// redact returns a URL fit for messages: without a password.
func redact(u *url.URL) string {
	return u.Redacted()
}

// open opens the store for cmd. Every command but setup refuses a file or
// bolt store that does not exist yet, rather than creating an empty one
// at a mistyped path.
func (a *app) open(ctx context.Context, cmd string) (session.Store, string, error) {
	raw, err := a.storeURLOf(cmd)
	if err != nil {
		return nil, "", err
	}
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the URL, which may hold a password
		}
		return nil, "", usagef(cmd, "the store URL does not parse: %v; use e.g. -store %s", err, exampleStore)
	}
	name := redact(u)
	schemes := strings.Join(session.StoreSchemes(), ", ")
	if u.Scheme == "" {
		hint := "e.g. -store " + exampleStore
		if strings.HasPrefix(raw, "/") || strings.HasPrefix(raw, ".") {
			hint = "for a directory of files use -store file:" + raw
		}
		return nil, "", usagef(cmd, "the store URL %q has no scheme; %s (registered schemes: %s)", name, hint, schemes)
	}
	if !slices.Contains(session.StoreSchemes(), u.Scheme) {
		return nil, "", fmt.Errorf("unknown store scheme %q; registered schemes: %s (e.g. -store %s)", u.Scheme, schemes, exampleStore)
	}
	if cmd != "setup" && (u.Scheme == "file" || u.Scheme == "bolt") {
		p := session.URLPath(u)
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			return nil, "", fmt.Errorf("no store at %s: create it with sessionctl -store %s setup, or check the path", p, shellQuote(name))
		}
	}
	if u.Scheme == "memory" && a.memoryNote {
		fmt.Fprintln(a.stderr, "sessionctl: note: a memory: store is new and empty, private to this process")
	}
	octx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	s, err := a.openStore(octx, raw)
	if errors.Is(err, boltstore.ErrLocked) {
		return nil, "", fmt.Errorf("cannot open store %s: %w (bbolt lets one process at a time open the file: stop the application, or wait longer with ?timeout=30s)", name, err)
	}
	if err != nil {
		return nil, "", fmt.Errorf("cannot open store %s: %w; check that the store is reachable (the server running, the path existing) and that the URL's address and credentials are right", name, err)
	}
	if cmd != "setup" {
		if err := checkSchema(ctx, s, name); err != nil {
			s.Close()
			return nil, "", err
		}
	}
	return s, name, nil
}

// shellQuote quotes s for a POSIX shell when it holds characters the
// shell would interpret, so that a hint can be pasted as it is.
func shellQuote(s string) string {
	safe := s != ""
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("/:._-+,=@%", c)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// schemaVersioner is implemented by stores with a versioned schema, such
// as the SQL stores.
type schemaVersioner interface {
	SchemaVersion(ctx context.Context) (have, want int, err error)
}

// checkSchema reports a store whose schema is missing or of another
// version, with what to do, before a command fails on it with a database
// error.
func checkSchema(ctx context.Context, s session.Store, name string) error {
	sv, ok := s.(schemaVersioner)
	if !ok {
		return nil
	}
	have, want, err := sv.SchemaVersion(ctx)
	setup := "sessionctl -store " + shellQuote(name) + " setup"
	switch {
	case err != nil:
		return fmt.Errorf("cannot read the schema version of store %s: %w; if the store was never set up, run: %s", name, err, setup)
	case have == 0:
		return fmt.Errorf("store %s has no schema yet: create it with: %s", name, setup)
	case have < want:
		return fmt.Errorf("store %s has schema version %d, older than this sessionctl's %d: migrate it with: %s", name, have, want, setup)
	case have > want:
		return fmt.Errorf("store %s has schema version %d, newer than this sessionctl's %d: use a newer sessionctl", name, have, want)
	}
	return nil
}

// withStore opens the store, runs f with it and closes it.
func (a *app) withStore(ctx context.Context, cmd string, f func(s session.Store, name string) error) (err error) {
	s, name, err := a.open(ctx, cmd)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := s.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("closing store %s: %w", name, cerr)
		}
	}()
	return f(s, name)
}
