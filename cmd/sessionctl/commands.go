package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/filestore"
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

	// show -json only. Kind is "revocation" for a revocation record.
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

// gcCmd: delete expired and idle sessions.
func (a *app) gcCmd(fs *flag.FlagSet) runFunc {
	idle := new(time.Duration)
	durationFlag(fs, idle, "idle", "also delete sessions unused for longer than `DURATION`, such as 30m or 2h")
	return func(ctx context.Context, args []string) error {
		if err := wantArgs("gc", args); err != nil {
			return err
		}
		if *idle < 0 {
			return usagef("gc", "gc: -idle %s is negative", *idle)
		}
		return a.withStore(ctx, "gc", func(s session.Store, _ string) error {
			now := a.now()
			stop := a.progress("deleting expired sessions")
			nExpired, err := s.Prune(ctx, session.Filter{ExpiresBefore: now})
			stop()
			if err != nil {
				return fmt.Errorf("deleting expired sessions (%d deleted before the error): %w", nExpired, err)
			}
			if err := a.sweepFiles(ctx, s); err != nil {
				return err
			}
			if *idle == 0 {
				fmt.Fprintf(a.stdout, "deleted %s\n", plural(nExpired, "expired session"))
				return nil
			}
			stop = a.progress("deleting sessions idle for more than " + fmtDuration(*idle))
			nIdle, err := s.Prune(ctx, session.Filter{AccessedBefore: now.Add(-*idle)})
			stop()
			if err != nil {
				return fmt.Errorf("deleting idle sessions (%d expired and %d idle deleted before the error): %w", nExpired, nIdle, err)
			}
			fmt.Fprintf(a.stdout, "deleted %s: %d expired, %d idle for more than %s\n",
				plural(nExpired+nIdle, "session"), nExpired, nIdle, fmtDuration(*idle))
			return nil
		})
	}
}

// sweepFiles tidies a file store's directory with its full pass (Scrub):
// corrupt and foreign files where records belong, temp files of crashed
// writers, lock files of crashed processes, stale index entries. Other
// stores have nothing of the kind.
func (a *app) sweepFiles(ctx context.Context, s session.Store) error {
	fs, ok := s.(*filestore.Store)
	if !ok {
		return nil
	}
	st, err := fs.Scrub(ctx)
	if err != nil {
		return fmt.Errorf("tidying the file store: %w", err)
	}
	if n := st.Corrupt + st.Temp + st.Locks + st.Index; n > 0 {
		fmt.Fprintf(a.stdout, "removed %d stale files (%d corrupt or foreign, %d temp, %d lock, %d index)\n", n, st.Corrupt, st.Temp, st.Locks, st.Index)
	}
	return nil
}

// progress draws a line on stderr, when it is a terminal, telling that
// label is under way and for how long, once the work has taken longer than
// progressAfter. The returned function erases the line and stops.
func (a *app) progress(label string) (stop func()) {
	if !a.terminal {
		return func() {}
	}
	start := time.Now()
	done := make(chan struct{})
	finished := make(chan struct{})
	ticks, stopTicker := a.newTicker()
	go func() {
		defer close(finished)
		defer stopTicker()
		drawn := false
		for {
			select {
			case <-done:
				if drawn {
					fmt.Fprint(a.stderr, "\r\033[K")
				}
				return
			case <-ticks:
				elapsed := time.Since(start)
				if elapsed < a.progressAfter {
					continue
				}
				fmt.Fprintf(a.stderr, "\r\033[Ksessionctl gc: %s… %s", label, elapsed.Round(time.Second))
				drawn = true
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// statsCmd: counts.
func (a *app) statsCmd(fs *flag.FlagSet) runFunc {
	top := fs.Int("top", 10, "show the `N` users with the most sessions")
	asJSON := fs.Bool("json", false, "print a JSON object")
	return func(ctx context.Context, args []string) error {
		if err := wantArgs("stats", args); err != nil {
			return err
		}
		if *top < 0 {
			return usagef("stats", "stats: -top %d is negative", *top)
		}
		return a.withStore(ctx, "stats", func(s session.Store, name string) error {
			st, err := collectStats(ctx, s, a.now())
			if err != nil {
				return err
			}
			topUsers := st.topUsers(*top)
			if *asJSON {
				return a.statsJSON(st, topUsers)
			}
			return a.statsText(name, st, topUsers)
		})
	}
}

type stats struct {
	total, live, expired, anonymous int
	bytes                           int64
	users                           map[string]int // sessions per user
}

type userCount struct {
	User     string `json:"user"`
	Sessions int    `json:"sessions"`
}

func collectStats(ctx context.Context, s session.Store, now time.Time) (stats, error) {
	st := stats{users: map[string]int{}}
	for e, err := range s.List(ctx, session.Filter{}) {
		if err != nil {
			return stats{}, fmt.Errorf("listing sessions: %w", err)
		}
		r := e.Record
		if session.IsRevocationRecord(r) {
			continue // not a session
		}
		st.total++
		st.bytes += int64(len(r.Data))
		if r.Expires.After(now) {
			st.live++
		} else {
			st.expired++
		}
		if r.User == "" {
			st.anonymous++
		} else {
			st.users[r.User]++
		}
	}
	return st, nil
}

// topUsers returns the n users with the most sessions, ties by name.
func (st stats) topUsers(n int) []userCount {
	all := make([]userCount, 0, len(st.users))
	for u, c := range st.users {
		all = append(all, userCount{User: u, Sessions: c})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].Sessions != all[j].Sessions {
			return all[i].Sessions > all[j].Sessions
		}
		return all[i].User < all[j].User
	})
	return all[:min(n, len(all))]
}

func (a *app) statsText(name string, st stats, topUsers []userCount) error {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "store:\t%s\n", name)
	fmt.Fprintf(tw, "sessions:\t%d\n", st.total)
	fmt.Fprintf(tw, "  live:\t%d\n", st.live)
	fmt.Fprintf(tw, "  expired:\t%d\n", st.expired)
	fmt.Fprintf(tw, "  anonymous:\t%d\n", st.anonymous)
	fmt.Fprintf(tw, "users:\t%d\n", len(st.users))
	fmt.Fprintf(tw, "data:\t%s\n", fmtBytes(st.bytes))
	tw.Flush()
	if len(topUsers) > 0 {
		fmt.Fprintf(&b, "top users by sessions:\n")
		width := len(fmt.Sprint(topUsers[0].Sessions)) // the largest count
		for _, u := range topUsers {
			fmt.Fprintf(&b, "  %*d  %s\n", width, u.Sessions, printable(u.User))
		}
	}
	_, err := a.stdout.Write(b.Bytes())
	return err
}

func (a *app) statsJSON(st stats, topUsers []userCount) error {
	v := struct {
		Total     int         `json:"total"`
		Live      int         `json:"live"`
		Expired   int         `json:"expired"`
		Anonymous int         `json:"anonymous"`
		Users     int         `json:"users"`
		Bytes     int64       `json:"bytes"`
		TopUsers  []userCount `json:"top_users"`
	}{st.total, st.live, st.expired, st.anonymous, len(st.users), st.bytes, topUsers}
	if err := writeJSON(a.stdout, v, true); err != nil {
		return err
	}
	_, err := io.WriteString(a.stdout, "\n")
	return err
}
