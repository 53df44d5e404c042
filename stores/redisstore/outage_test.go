package redisstore_test

import (
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/session2/session2/conformance"
)

// proxy forwards TCP connections to a Redis server until it is cut: then
// it hangs (accepts and reads, forwards nothing) or refuses.
type proxy struct {
	target string
	ln     net.Listener

	mu    sync.Mutex
	mode  string // "", "hang" or "down"
	conns map[net.Conn]bool
}

func newProxy(t testing.TB, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{target: target, ln: ln, conns: map[net.Conn]bool{}}
	go p.accept()
	t.Cleanup(func() { ln.Close(); p.dropAll() })
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

// set switches the proxy's mode and drops every forwarded connection
// when it leaves normal forwarding.
func (p *proxy) set(mode string) {
	p.mu.Lock()
	p.mode = mode
	p.mu.Unlock()
	if mode != "" {
		p.dropAll()
	}
}

func (p *proxy) dropAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

func (p *proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		mode := p.mode
		p.conns[c] = true
		p.mu.Unlock()
		switch mode {
		case "down":
			c.Close()
		case "hang":
			go io.Copy(io.Discard, c) // swallow requests, never answer
		default:
			go p.forward(c)
		}
	}
}

func (p *proxy) forward(c net.Conn) {
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[s] = true
	p.mu.Unlock()
	go func() { io.Copy(s, c); s.Close() }()
	io.Copy(c, s)
	c.Close()
}

// TestOutage puts the server behind a proxy that first hangs and then
// refuses connections: requests needing the store get the error handler
// (503) within a bound, requests without a cookie still work, and all
// works again, data intact, when the server is back. The bound comes from
// the client's timeouts (the README's recommended settings) and from the
// manager's load timeout where the core has one.
func TestOutage(t *testing.T) {
	o := serverOptions(t)
	p := newProxy(t, o.Addr)
	o.Addr = p.addr()
	o.DialTimeout, o.ReadTimeout, o.WriteTimeout = time.Second, time.Second, time.Second
	o.MaxRetries = 1
	o.ContextTimeoutEnabled = true
	c := redis.NewClient(o)
	t.Cleanup(func() { c.Close() })
	s := newStore(t, c)
	a := conformance.NewApp(t, s)
	b := &conformance.Client{}
	a.Do(t, b, "/write")
	a.Do(t, b, "/write")

	const bound = 10 * time.Second
	for _, mode := range []string{"hang", "down"} {
		p.set(mode)
		for _, path := range []string{"/read", "/write"} {
			start := time.Now()
			status, body := a.Do(t, b, path)
			if status != http.StatusServiceUnavailable {
				t.Errorf("%s with the server %s: status %d, body %q; want 503 from the error handler", path, mode, status, body)
			}
			if d := time.Since(start); d > bound {
				t.Errorf("%s with the server %s: answered after %v, want within %v", path, mode, d, bound)
			}
		}
		if status, body := a.Do(t, &conformance.Client{}, "/read"); status != http.StatusOK || body != "n=0 new=true" {
			t.Errorf("a request without a cookie with the server %s: status %d, body %q; want 200 (no store access)", mode, status, body)
		}
	}
	if a.Errors() < 4 {
		t.Errorf("the error handler ran %d times, want 4", a.Errors())
	}

	p.set("")
	waitFor(t, 20*time.Second, "the store after the outage", func() bool {
		_, body, err := a.Try(b, "/read")
		return err == nil && body == "n=2 new=false"
	})
	if status, body := a.Do(t, b, "/write"); status != http.StatusOK || body != "n=3" {
		t.Errorf("writing after the outage: status %d, body %q; want n=3", status, body)
	}
}

// TestServerRestart crashes a private server configured to persist every
// write (appendonly yes, appendfsync always) under a running app and
// starts it again on the same files: requests with a session get the
// error handler while it is down, every session is back afterwards, and
// the app recovers by itself.
func TestServerRestart(t *testing.T) {
	serverOptions(t) // a private server, run with the other Redis tests
	srv := startServer(t, "appendonly yes", "appendfsync always")
	c := redis.NewClient(&redis.Options{
		Addr: srv.addr, DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second,
		MaxRetries: 1, DialerRetries: 1, ContextTimeoutEnabled: true,
	})
	t.Cleanup(func() { c.Close() })
	s := newStore(t, c)
	a := conformance.NewApp(t, s)
	browsers := make([]*conformance.Client, 5)
	for i := range browsers {
		browsers[i] = &conformance.Client{}
		a.Do(t, browsers[i], "/write")
		a.Do(t, browsers[i], "/write")
	}

	srv.stop() // a crash: no shutdown save
	if status, body := a.Do(t, browsers[0], "/read"); status != http.StatusServiceUnavailable {
		t.Errorf("a read with the server down: status %d, body %q; want 503", status, body)
	}
	srv.run(t)

	waitFor(t, 20*time.Second, "the app after the restart", func() bool {
		_, body, err := a.Try(browsers[0], "/read")
		return err == nil && body == "n=2 new=false"
	})
	for i, b := range browsers {
		if status, body := a.Do(t, b, "/write"); status != http.StatusOK || body != "n=3" {
			t.Errorf("browser %d after the restart: status %d, body %q; want n=3 (the session persisted)", i, status, body)
		}
	}
}
