package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/session2/session2/core/session"
)

// runFunc runs a command with its positional arguments.
type runFunc = func(ctx context.Context, args []string) error

// wantArgs checks the number of positional arguments of cmd.
func wantArgs(cmd string, args []string, names ...string) error {
	switch {
	case len(args) < len(names):
		return usagef(cmd, "%s: missing %s", cmd, strings.Join(names[len(args):], " "))
	case len(args) > len(names):
		return usagef(cmd, "%s: unexpected argument %q", cmd, printable(args[len(names)]))
	}
	return nil
}

// setupCmd: create what the store needs.
func (a *app) setupCmd(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, args []string) error {
		if err := wantArgs("setup", args); err != nil {
			return err
		}
		return a.withStore(ctx, "setup", func(s session.Store, name string) error {
			if err := s.Setup(ctx); err != nil {
				return fmt.Errorf("setup of %s: %w", name, err)
			}
			fmt.Fprintf(a.stdout, "store %s is set up (%s)\n", name, describeCaps(s.Capabilities()))
			return nil
		})
	}
}

// describeCaps lists a store's capabilities for people.
func describeCaps(c session.Capabilities) string {
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	return fmt.Sprintf("durable: %s, shared by processes: %s, by hosts: %s",
		yes(c.Durable), yes(c.Processes), yes(c.Shared))
}

// keyPrefixLen is how much of a key ls shows in its table.
const keyPrefixLen = 12

// sessionJSON is a session as ls -json and show -json print it.
type sessionJSON struct {
	Key      string `json:"key"`
	User     string `json:"user"`
	Created  string `json:"created"`
	Accessed string `json:"accessed"`
	Expires  string `json:"expires"`
	Expired  bool   `json:"expired"`
	Version  uint64 `json:"version"`
	Size     int    `json:"size"`

	// show -json only. Kind is "revocation" for a revocation record,
	// "import-copy" for an import copy.
	Kind       string          `json:"kind,omitempty"`
	Remote     *string         `json:"remote,omitempty"`
	FormTokens *int            `json:"form_tokens,omitempty"`
	Flashes    *int            `json:"flashes,omitempty"`
	Codec      string          `json:"codec,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
	DataNote   string          `json:"data_note,omitempty"`
}

func toJSON(e session.Entry, now time.Time) sessionJSON {
	r := e.Record
	return sessionJSON{
		Key:      e.Key,
		User:     r.User,
		Created:  jsonTime(r.Created),
		Accessed: jsonTime(r.Accessed),
		Expires:  jsonTime(r.Expires),
		Expired:  !r.Expires.After(now),
		Version:  r.Version,
		Size:     len(r.Data),
	}
}

// writeJSON writes v as JSON, with the characters a terminal could take for
// control sequences escaped.
func writeJSON(w io.Writer, v any, indent bool) error {
	var b []byte
	var err error
	if indent {
		b, err = json.MarshalIndent(v, "", "  ")
	} else {
		b, err = json.Marshal(v)
	}
	if err != nil {
		return err
	}
	_, err = w.Write(escapeJSONText(b))
	return err
}

// lsCmd: list sessions.
func (a *app) lsCmd(fs *flag.FlagSet) runFunc {
	userF := fs.String("user", "", "list only the sessions of `USER`")
	expired := fs.Bool("expired", false, "list only the expired sessions (those gc deletes)")
	all := fs.Bool("all", false, "list live and expired sessions")
	asJSON := fs.Bool("json", false, "print a JSON array instead of a table")
	limit := fs.Int("limit", 0, "stop after `N` sessions (default: no limit)")
	return func(ctx context.Context, args []string) error {
		if err := wantArgs("ls", args); err != nil {
			return err
		}
		if *expired && *all {
			return usagef("ls", "ls: -expired and -all exclude each other")
		}
		if *limit < 0 {
			return usagef("ls", "ls: -limit %d is negative", *limit)
		}
		return a.withStore(ctx, "ls", func(s session.Store, _ string) error {
			now := a.now()
			f := session.Filter{User: *userF}
			if *expired {
				f.ExpiresBefore = now
			}
			w := bufio.NewWriter(a.stdout)
			n := 0
			var err error
			for e, lerr := range s.List(ctx, f) {
				if lerr != nil {
					err = fmt.Errorf("listing sessions: %w", lerr)
					break
				}
				if !*expired && !*all && !e.Record.Expires.After(now) {
					continue
				}
				if session.IsRevocationRecord(e.Record) {
					continue // not a session (see show)
				}
				if *asJSON {
					if n == 0 {
						w.WriteString("[\n")
					} else {
						w.WriteString(",\n")
					}
					if err = writeJSON(w, toJSON(e, now), false); err != nil {
						break
					}
				} else {
					if n == 0 {
						fmt.Fprintf(w, "%-*s  %-20s  %-20s  %-20s  %7s  %s\n", keyPrefixLen, "KEY", "CREATED", "LAST ACCESS", "EXPIRES", "SIZE", "USER")
					}
					r := e.Record
					fmt.Fprintf(w, "%-*s  %-20s  %-20s  %-20s  %7d  %s\n", keyPrefixLen, e.Key[:min(len(e.Key), keyPrefixLen)],
						fmtTime(r.Created), fmtTime(r.Accessed), fmtTime(r.Expires), len(r.Data), user(r.User))
				}
				n++
				if *limit > 0 && n >= *limit {
					break
				}
			}
			if *asJSON {
				if n == 0 {
					w.WriteString("[]\n")
				} else {
					w.WriteString("\n]\n")
				}
			}
			if ferr := w.Flush(); err == nil && ferr != nil {
				err = fmt.Errorf("writing output: %w", ferr)
			}
			if err == nil && n == 0 && !*asJSON {
				fmt.Fprintln(a.stderr, "sessionctl: no sessions found")
			}
			return err
		})
	}
}

// rmCmd: delete one session.
func (a *app) rmCmd(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, args []string) error {
		if err := wantArgs("rm", args, "KEY"); err != nil {
			return err
		}
		if err := checkKeyArg("rm", args[0]); err != nil {
			return err
		}
		return a.withStore(ctx, "rm", func(s session.Store, _ string) error {
			e, err := a.resolve(ctx, s, args[0])
			if err != nil {
				return err
			}
			if err := s.Delete(ctx, e.Key); err != nil {
				return fmt.Errorf("deleting session %s: %w", e.Key, err)
			}
			if session.IsRevocationRecord(e.Record) {
				fmt.Fprintf(a.stdout, "deleted revocation record %s (not a session)\n", e.Key)
				return nil
			}
			fmt.Fprintf(a.stdout, "deleted session %s (user %s)\n", e.Key, user(e.Record.User))
			return nil
		})
	}
}

// logoutUserCmd: delete every session of a user, as the application's
// "log out everywhere" does.
func (a *app) logoutUserCmd(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, args []string) error {
		if err := wantArgs("logout-user", args, "USER"); err != nil {
			return err
		}
		u := args[0]
		if u == "" {
			// The empty user is the anonymous one: a Filter with no user
			// would match, and delete, every session.
			return usagef("logout-user", "logout-user: USER is empty")
		}
		return a.withStore(ctx, "logout-user", func(s session.Store, _ string) error {
			// Through a manager, not Store.Prune alone: LogoutUser first
			// writes the user's revocation record, which makes a renewal
			// (a login) in flight in the application give up rather than
			// keep its new session.
			mgr, err := session.New[session.Map](s)
			if err != nil {
				return err
			}
			n, err := mgr.LogoutUser(ctx, u)
			if err != nil {
				return fmt.Errorf("deleting the sessions of user %s (%d deleted before the error): %w", printable(u), n, err)
			}
			fmt.Fprintf(a.stdout, "deleted %s of user %s\n", plural(n, "session"), printable(u))
			return nil
		})
	}
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
