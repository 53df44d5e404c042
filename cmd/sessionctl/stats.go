package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/session2/session2/core/session"
)

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
