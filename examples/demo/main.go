// Command demo is session2's test app for Go: a small web site whose pages
// log in, count, flash, list a user's devices, list and prune sessions,
// served on any of the supported routers (chi, gin, echo) and stores
// (memory, file, bolt, PostgreSQL, MySQL, Redis).
//
//	go run ./examples/demo                              # chi, file store in the user cache directory
//	go run ./examples/demo -framework gin -store memory:
//	go run ./examples/demo -store bolt:/tmp/demo.db -port 9000
//	go run ./examples/demo -metrics                     # and /metrics for Prometheus
//	go run ./examples/demo -admin-local                 # and the admin pages /sessions, /delete_old
//
// The pages and their exact texts are listed in the README; scripts drive
// them over HTTP.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/session2/session2/core/session"
)

// options are the command line's settings.
type options struct {
	host             string
	port             int
	framework        string
	storeURL         string
	idleTimeout      time.Duration
	lifetime         time.Duration
	secureCookie     bool
	persistentCookie bool
	metrics          bool
	maxSessions      int
	adminLocal       bool
	waitForStore     bool
}

// errUsage marks a bad command line, which exits with status 2.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stderr)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		fmt.Fprintln(os.Stderr, "demo:", strings.TrimPrefix(err.Error(), errUsage.Error()+": "))
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// defaultStoreURL is a file store in the user's cache directory, or in
// the temporary directory when there is none. On Windows, where the file
// store does not run (it needs flock), it is a bolt file there instead.
func defaultStoreURL() string {
	dir, err := os.UserCacheDir()
	if err != nil || dir == "" {
		dir = os.TempDir()
	}
	if runtime.GOOS == "windows" {
		return "bolt:" + filepath.Join(dir, "session2-demo.db")
	}
	return "file:" + (&url.URL{Path: filepath.Join(dir, "session2-demo")}).EscapedPath()
}

// parseFlags reads the command line.
func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.host, "host", "localhost", "host name or address to listen on")
	fs.IntVar(&o.port, "port", 8080, "TCP port to listen on (0 picks a free one)")
	fs.StringVar(&o.framework, "framework", "chi", "router: "+strings.Join(frameworks(), ", "))
	fs.StringVar(&o.storeURL, "store", defaultStoreURL(), "session store URL, such as memory:, file:DIR, bolt:PATH, postgres://..., mysql://... (schemes in this build: "+strings.Join(session.StoreSchemes(), ", ")+")")
	fs.DurationVar(&o.idleTimeout, "idle-timeout", 30*time.Minute, "end sessions unused for this long (0: no idle timeout)")
	fs.DurationVar(&o.lifetime, "lifetime", 24*time.Hour, "end sessions this long after they were created")
	fs.BoolVar(&o.secureCookie, "secure-cookie", false, "always mark the cookie Secure (behind a proxy that ends TLS)")
	fs.BoolVar(&o.persistentCookie, "persistent-cookie", false, "let the cookie outlive the browser session")
	fs.BoolVar(&o.metrics, "metrics", false, "serve OpenTelemetry metrics in Prometheus text format at /metrics")
	fs.IntVar(&o.maxSessions, "max-sessions-per-user", 0, "sign out a user's oldest sessions when a login makes more than `N` (0: no cap)")
	fs.BoolVar(&o.adminLocal, "admin-local", false, "serve the admin pages /sessions and /delete_old, which show and delete every visitor's sessions, to logged-in visitors (any name logs in: only for a demo on your own machine)")
	fs.BoolVar(&o.waitForStore, "wait-for-store", false, "when the store does not answer at start, serve anyway (pages needing a session answer 503) and keep trying, instead of exiting")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: demo [flags]\n\nServes session2's demo app. Flags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("%w: unexpected argument %q (flags only; see -h)", errUsage, fs.Arg(0))
	}
	if o.port < 0 || o.port > 65535 {
		return o, fmt.Errorf("%w: -port %d is not a TCP port (0 to 65535)", errUsage, o.port)
	}
	if !knownFramework(o.framework) {
		return o, fmt.Errorf("%w: -framework %q is not one of %s", errUsage, o.framework, strings.Join(frameworks(), ", "))
	}
	if o.idleTimeout < 0 {
		return o, fmt.Errorf("%w: -idle-timeout %v is negative (0 turns it off)", errUsage, o.idleTimeout)
	}
	if o.lifetime <= 0 {
		return o, fmt.Errorf("%w: -lifetime %v must be positive", errUsage, o.lifetime)
	}
	if o.maxSessions < 0 {
		return o, fmt.Errorf("%w: -max-sessions-per-user %d is negative (0 sets no cap)", errUsage, o.maxSessions)
	}
	if o.storeURL == "" {
		return o, fmt.Errorf("%w: -store is empty (try memory: or file:DIR)", errUsage)
	}
	return o, nil
}

// managerOptions turns the command line into the manager's options.
func (o options) managerOptions(a *app) []session.Option {
	cookie := session.Cookie{Persistent: o.persistentCookie}
	if o.secureCookie {
		cookie.Secure = session.SecureAlways
	}
	return []session.Option{
		session.WithExpiry(session.Expiry{Idle: o.idleTimeout, Lifetime: o.lifetime}),
		session.WithCookie(cookie),
		session.WithLogger(a.log),
		session.WithErrorHandler(a.sessionError),
		// For /devices: the User-Agent and the time of each login.
		session.WithDeviceInfo(),
		session.WithMaxSessionsPerUser(o.maxSessions),
	}
}

// loopback reports whether addr is a loopback address, reachable from this
// machine only.
func loopback(addr net.Addr) bool {
	ta, ok := addr.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}

// redactURL returns the store URL with any password hidden, for the log.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// run serves the demo until ctx is cancelled, then shuts down gracefully
// and closes the store.
func run(ctx context.Context, args []string, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))

	store, err := openStore(ctx, o.storeURL, o.waitForStore, logger)
	if err != nil {
		return err
	}
	defer func() {
		if err := store.Close(); err != nil {
			logger.Error("closing the store", "err", err)
		}
	}()

	var m *metrics // nil without -metrics
	if o.metrics {
		if m, err = newMetrics(); err != nil {
			return err
		}
		defer m.shutdown(context.Background())
	}
	a := &app{store: m.wrapStore(store), log: logger, now: time.Now, metrics: m, maxSessions: o.maxSessions, admin: o.adminLocal}
	mgr, err := session.New[session.Map](a.store, append(o.managerOptions(a), m.managerOptions()...)...)
	if err != nil {
		return fmt.Errorf("session manager: %w", err)
	}
	a.mgr = mgr
	h, err := newHandler(o.framework, a)
	if err != nil {
		return err
	}
	h = m.handler(h)

	ln, err := net.Listen("tcp", net.JoinHostPort(o.host, strconv.Itoa(o.port)))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	host := o.host
	if host == "" || net.ParseIP(host) != nil && net.ParseIP(host).IsUnspecified() {
		host, _, _ = net.SplitHostPort(ln.Addr().String())
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	if o.adminLocal && !loopback(ln.Addr()) {
		logger.Warn("the admin pages are on (-admin-local) on an address other machines can reach: anyone who logs in, with any name, can list and delete every session", "addr", ln.Addr().String())
	}
	logger.Info("demo listening",
		"url", "http://"+net.JoinHostPort(host, port)+"/",
		"framework", o.framework,
		"store", redactURL(o.storeURL),
		"capabilities", fmt.Sprintf("%+v", store.Capabilities()))

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Info("stopped")
	return nil
}
