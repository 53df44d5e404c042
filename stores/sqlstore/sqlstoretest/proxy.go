package sqlstoretest

import (
	"io"
	"net"
	"sync"
	"testing"
)

// RoundTripCounter reads the bytes a client sends to the database server
// on one connection, as they pass through the kit's proxy, and counts the
// round trips in them: the requests after which the client waits for the
// server's answer. A dialect's tests provide one for their wire protocol.
type RoundTripCounter interface {
	io.Writer
	RoundTrips() int
}

// Proxy is a TCP proxy in front of a database server that a test can cut:
// [Proxy.Cut] closes every connection through it and makes it close new
// ones at once, as a database that went away; [Proxy.Restore] lets
// connections through again.
type Proxy struct {
	ln      net.Listener
	target  string
	counter func() RoundTripCounter

	mu       sync.Mutex
	cut      bool
	conns    map[net.Conn]struct{}
	counters []RoundTripCounter
	closed   bool
	wg       sync.WaitGroup
}

// NewProxy starts a proxy to target (host:port) on a free loopback port,
// closed by t.Cleanup. counter, when not nil, makes a round-trip counter for
// each client connection (see [Proxy.RoundTrips]).
func NewProxy(t testing.TB, target string, counter func() RoundTripCounter) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("proxy: listen: %v", err)
	}
	p := &Proxy{ln: ln, target: target, counter: counter, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

// Addr returns the proxy's address, host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Cut closes every connection through the proxy and closes new ones as
// soon as they are accepted, until Restore.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for c := range p.conns {
		c.Close()
	}
}

// Restore lets new connections through again.
func (p *Proxy) Restore() {
	p.mu.Lock()
	p.cut = false
	p.mu.Unlock()
}

// RoundTrips returns the round trips counted so far over every connection.
func (p *Proxy) RoundTrips() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, c := range p.counters {
		n += c.RoundTrips()
	}
	return n
}

func (p *Proxy) close() {
	p.mu.Lock()
	p.closed = true
	p.ln.Close()
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.cut || p.closed {
			p.mu.Unlock()
			client.Close()
			continue
		}
		p.conns[client] = struct{}{}
		p.mu.Unlock()
		p.wg.Add(1)
		go p.serve(client)
	}
}

func (p *Proxy) serve(client net.Conn) {
	defer p.wg.Done()
	defer p.forget(client)
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	if !p.track(server) {
		server.Close()
		return
	}
	defer p.forget(server)
	var tap io.Writer = io.Discard
	if p.counter != nil {
		c := p.counter()
		p.mu.Lock()
		p.counters = append(p.counters, c)
		p.mu.Unlock()
		tap = c
	}
	done := make(chan struct{}, 2)
	go func() {
		_, _ = io.Copy(server, io.TeeReader(client, tap))
		done <- struct{}{}
	}()
	go func() {
		_, _ = io.Copy(client, server)
		done <- struct{}{}
	}()
	<-done // one side ended: end both
	client.Close()
	server.Close()
	<-done
}

// track registers c unless the proxy was cut meanwhile.
func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cut || p.closed {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) forget(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}
