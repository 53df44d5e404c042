package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

func commandNames() string {
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	return strings.Join(names, ", ")
}

const usageHead = `sessionctl administers the sessions kept in a session2 store.

Usage:
  sessionctl [-store URL] [-timeout DURATION] COMMAND [flags] [arguments]

The store URL comes from -store or, when it is not given, from $SESSION2_STORE:
  file:/var/lib/app/sessions              a directory of files
  bolt:/var/lib/app/sessions.db           a bbolt database file
  postgres://user@host/db?table=sessions  PostgreSQL
  mysql://user@host:3306/db?table=sessions  MySQL or MariaDB
  memory:                                 a new, empty store (useful only in tests)
Only the schemes of the stores compiled in are accepted; an unknown scheme
is reported with the list of registered ones.
`

const usageTail = `
Sessions are named by their store key, a SHA-256 hash of the cookie's token,
which is safe to show; show and rm accept a unique prefix of it. sessionctl
never prints a session token or a form token.

Global flags (also accepted after the command):
  -store URL          the store (default $SESSION2_STORE)
  -timeout DURATION   give up after DURATION, such as 10m; 0 for no limit
                      (default 5m)

Exit status: 0 on success, 1 when the store fails, is unreachable or has no
such session, 2 for a mistake on the command line.

Example crontab line, deleting expired sessions and those idle for more than
two hours every 15 minutes:
  */15 * * * * sessionctl -store file:/var/lib/app/sessions gc -idle 2h

Run 'sessionctl COMMAND -h' for the flags of a command.
`

// usage writes the program's help.
func (a *app) usage(w io.Writer) {
	var b strings.Builder
	b.WriteString(usageHead)
	b.WriteString("\nCommands:\n")
	for _, c := range commands() {
		syn := c.name
		if c.args != "" {
			syn += " " + c.args
		}
		fmt.Fprintf(&b, "  %s\n      %s\n", syn, c.summary)
	}
	b.WriteString(usageTail)
	io.WriteString(w, b.String())
}

// commandUsage writes the help of one command.
func (a *app) commandUsage(w io.Writer, c command, fs *flag.FlagSet) {
	var b strings.Builder
	syn := "sessionctl [-store URL] " + c.name
	if c.args != "" {
		syn += " " + c.args
	}
	fmt.Fprintf(&b, "Usage: %s\n\n%s.\n\nFlags:\n", syn, upperFirst(c.summary))
	fs.SetOutput(&b)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	if c.name == "gc" {
		b.WriteString("\nExample crontab line:\n  */15 * * * * sessionctl -store file:/var/lib/app/sessions gc -idle 2h\n")
	}
	io.WriteString(w, b.String())
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
