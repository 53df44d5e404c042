package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/session2/session2/core/session"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1 // the store failed, was unreachable, or had no such session
	exitUsage   = 2 // the command line was wrong
)

// storeEnv is the environment variable read when -store is not given.
const storeEnv = "SESSION2_STORE"

// openTimeout bounds how long opening the store (connecting to a database,
// taking a file lock) may take, so that an unreachable server fails the
// command instead of hanging a cron job.
const openTimeout = 30 * time.Second

// defaultTimeout bounds every command unless -timeout says otherwise, so
// that a server that accepts connections and stops answering fails the
// command instead of hanging it (or piling up cron jobs). It is long
// enough for gc on a large store: the benchmarks' slowest prune, MySQL's
// idle prune of 200,000 of a million sessions, took 106 s. A variable so
// that tests can shorten it.
var defaultTimeout = 5 * time.Minute

// usageError is a mistake on the command line: it exits with exitUsage.
type usageError struct {
	cmd string // the command it concerns, empty for the global part
	msg string
}

func (e *usageError) Error() string { return e.msg }

func usagef(cmd, format string, args ...any) error {
	return &usageError{cmd: cmd, msg: fmt.Sprintf(format, args...)}
}

// app is one invocation of sessionctl. run builds it with the real
// environment; tests replace the hooks.
type app struct {
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	now    func() time.Time

	// openStore opens the store named by a URL. The default is
	// session.OpenStore; tests pass a store they already hold.
	openStore func(ctx context.Context, rawURL string) (session.Store, error)

	// terminal reports whether stderr is a terminal, where gc draws its
	// progress line.
	terminal bool
	// progressAfter is how long gc runs before it starts its progress line,
	// and progressTick how often it redraws it.
	progressAfter time.Duration
	newTicker     func() (<-chan time.Time, func())

	// memoryNote makes sessionctl remark that a memory: store is empty.
	memoryNote bool

	// Set by the global flags.
	storeURL string
	timeout  time.Duration
}

// run carries out the command line args (without the program name) and
// returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &app{
		stdout:        stdout,
		stderr:        stderr,
		getenv:        os.Getenv,
		now:           time.Now,
		openStore:     session.OpenStore,
		terminal:      isTerminal(stderr),
		memoryNote:    true,
		timeout:       defaultTimeout,
		progressAfter: time.Second,
		newTicker: func() (<-chan time.Time, func()) {
			t := time.NewTicker(time.Second)
			return t.C, t.Stop
		},
	}
	return a.run(ctx, args)
}

// isTerminal reports whether w is a character device such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// A command is one of sessionctl's subcommands.
type command struct {
	name    string
	args    string // the synopsis of its flags and arguments
	summary string
	// flags defines the command's own flags on fs and returns the function
	// that runs it with the remaining arguments.
	flags func(a *app, fs *flag.FlagSet) func(ctx context.Context, args []string) error
}

func commands() []command {
	return []command{
		{name: "setup", args: "", summary: "create the store's tables, directories or buckets (idempotent, never drops data)", flags: (*app).setupCmd},
		{name: "ls", args: "[-user U] [-expired | -all] [-json] [-limit N]", summary: "list sessions, the live ones unless -expired or -all", flags: (*app).lsCmd},
		{name: "show", args: "[-json] KEY", summary: "show one session; KEY is a store key or a unique prefix of one (at least 4 characters)", flags: (*app).showCmd},
		{name: "rm", args: "KEY", summary: "delete one session (KEY as for show)", flags: (*app).rmCmd},
		{name: "logout-user", args: "USER", summary: "delete every session of USER (log out everywhere)", flags: (*app).logoutUserCmd},
		{name: "gc", args: "[-idle DURATION]", summary: "delete expired sessions and, with -idle, those unused for longer than DURATION", flags: (*app).gcCmd},
		{name: "import", args: "[-user-key K] [-table T | -prefix P] SCS-URL", summary: "copy every live session of an alexedwards/scs store (postgres://, mysql://, redis://) into the store, for session.ImportCopies", flags: (*app).importCmd},
		{name: "stats", args: "[-top N] [-json]", summary: "count sessions: total, live, expired, anonymous, and the users with most sessions", flags: (*app).statsCmd},
	}
}

func findCommand(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func (a *app) run(ctx context.Context, args []string) int {
	err := a.dispatch(ctx, args)
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	var ue *usageError
	if errors.As(err, &ue) {
		hint := "run 'sessionctl -h' for help"
		if ue.cmd != "" {
			hint = "run 'sessionctl " + ue.cmd + " -h' for help"
		}
		fmt.Fprintf(a.stderr, "sessionctl: %s (%s)\n", oneLine(ue.msg), hint)
		return exitUsage
	}
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		fmt.Fprintf(a.stderr, "sessionctl: interrupted: %s\n", oneLine(err.Error()))
		return exitFailure
	}
	fmt.Fprintf(a.stderr, "sessionctl: %s\n", oneLine(err.Error()))
	return exitFailure
}

// oneLine keeps an error message on one line, whatever a driver put in it.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// globalFlags defines the flags accepted before and after the command.
func (a *app) globalFlags(fs *flag.FlagSet) {
	fs.StringVar(&a.storeURL, "store", a.storeURL, "the store's `URL` (default: $"+storeEnv+")")
	durationFlag(fs, &a.timeout, "timeout", "give up after `DURATION`, 0 for no limit (default "+fmtDuration(defaultTimeout)+")")
}

func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported on one line by run
	return fs
}

func (a *app) dispatch(ctx context.Context, args []string) error {
	fs := newFlagSet("sessionctl")
	a.globalFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			a.usage(a.stdout)
			return err
		}
		return usagef("", "%v", err)
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return usagef("", "no command given; commands: %s", commandNames())
	}
	name := rest[0]
	if name == "help" {
		a.usage(a.stdout)
		return nil
	}
	cmd, ok := findCommand(name)
	if !ok {
		return usagef("", "unknown command %q; commands: %s", name, commandNames())
	}

	cfs := newFlagSet(cmd.name)
	a.globalFlags(cfs)
	runCmd := cmd.flags(a, cfs)
	cmdArgs, err := parseInterspersed(cfs, rest[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			a.commandUsage(a.stdout, cmd, cfs)
			return err
		}
		return usagef(cmd.name, "%s: %v", cmd.name, err)
	}
	if a.timeout < 0 {
		return usagef(cmd.name, "-timeout %s is negative", a.timeout)
	}
	if a.timeout == 0 {
		return runCmd(ctx, cmdArgs)
	}
	cctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	err = runCmd(cctx, cmdArgs)
	if err != nil && ctx.Err() == nil && errors.Is(cctx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("gave up after %s (pass a longer -timeout, or -timeout 0 for no limit): %w", fmtDuration(a.timeout), err)
	}
	return err
}

// parseInterspersed parses flags placed anywhere among the arguments, so
// that "show KEY -json" works as well as "show -json KEY", and returns the
// other arguments in order. An argument "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), nil
		}
		if len(rest) == 0 {
			return positional, nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// durationValue is a flag.Value for durations whose parse errors say what
// is expected, where flag's own says only "parse error".
type durationValue struct{ d *time.Duration }

func (v durationValue) String() string {
	if v.d == nil || *v.d == 0 {
		return ""
	}
	return fmtDuration(*v.d)
}

func (v durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("want a duration such as 90s, 30m or 2h (%s)", strings.TrimPrefix(err.Error(), "time: "))
	}
	*v.d = d
	return nil
}

// durationFlag defines a duration flag with a clear parse error.
func durationFlag(fs *flag.FlagSet, p *time.Duration, name, usage string) {
	fs.Var(durationValue{p}, name, usage)
}
