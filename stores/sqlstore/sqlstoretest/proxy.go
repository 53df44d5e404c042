package sqlstoretest

import (
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// RoundTripCounter reads the bytes a client sends to the database server
// on one connection, as they pass through the kit's proxy, and counts the
// round trips in them: the requests after which the client waits for the
// server's answer. A dialect's tests provide one for their wire protocol.
type RoundTripCounter interface {
	io.Writer
	RoundTrips() int
}

// Proxy is a TCP proxy in front of a database server that a test can cut,
// hang or slow down:
//   - [Proxy.Cut] closes every connection through it and makes it close new
//     ones at once, as a database that went away; [Proxy.Restore] lets
//     connections through again.
//   - [Proxy.Hang] stops forwarding bytes either way but keeps every
//     connection open and accepts new ones, as a database behind a network
//     partition or a stuck failover: a client waits for answers that do not
//     come. [Proxy.Resume] forwards again, delivering what was held.
//   - [Proxy.SetDelay] holds every chunk a client sends for a while before
//     forwarding it, adding that much to each round trip.
type Proxy struct {
	ln      net.Listener
	target  string
	counter func() RoundTripCounter

	mu       sync.Mutex
	cut      bool
	hung     bool
	resume   chan struct{} // closed when a hang ends or the proxy closes
	delay    time.Duration
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
	p, err := StartProxy(target, counter)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// StartProxy is [NewProxy] outside a test: the caller closes the proxy
// with [Proxy.Close].
func StartProxy(target string, counter func() RoundTripCounter) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("proxy: listen: %w", err)
	}
	p := &Proxy{ln: ln, target: target, counter: counter, conns: map[net.Conn]struct{}{}, resume: make(chan struct{})}
	p.wg.Add(1)
	go p.accept()
	return p, nil
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

// Hang stops forwarding: bytes already sent stay in the proxy's hands (and
// the kernel's buffers), connections stay open, new connections are
// accepted but not connected to the server, until [Proxy.Resume].
func (p *Proxy) Hang() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.hung && !p.closed {
		p.hung = true
		p.resume = make(chan struct{})
	}
}

// Resume ends a hang: the proxy forwards what it held and carries on.
func (p *Proxy) Resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.hung {
		p.hung = false
		close(p.resume)
	}
}

// SetDelay makes the proxy hold each chunk a client sends for d before
// forwarding it (0 forwards at once): a request and its answer then take d
// longer, on every connection independently.
func (p *Proxy) SetDelay(d time.Duration) {
	p.mu.Lock()
	p.delay = d
	p.mu.Unlock()
}

// gate blocks while the proxy hangs, then returns the delay to add to a
// client's chunk.
func (p *Proxy) gate() time.Duration {
	for {
		p.mu.Lock()
		if !p.hung || p.closed {
			d := p.delay
			p.mu.Unlock()
			return d
		}
		ch := p.resume
		p.mu.Unlock()
		<-ch
	}
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

// Close stops the proxy, closing every connection through it, and waits
// for its goroutines. It is idempotent.
func (p *Proxy) Close() {
	p.mu.Lock()
	p.closed = true
	if p.hung {
		p.hung = false
		close(p.resume)
	}
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
	p.gate() // a hung proxy accepts, but does not reach the server
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
		p.pipe(server, client, tap, true)
		done <- struct{}{}
	}()
	go func() {
		p.pipe(client, server, io.Discard, false)
		done <- struct{}{}
	}()
	<-done // one side ended: end both
	client.Close()
	server.Close()
	<-done
}

// pipe copies src to dst chunk by chunk, each through the gate: while the
// proxy hangs, a chunk read waits, and nothing more is read. Chunks from
// the client (up) go through tap, and each is forwarded the delay after it
// arrived: a reader goroutine stamps them, so that several chunks of one
// request wait the delay once, not once each.
func (p *Proxy) pipe(dst, src net.Conn, tap io.Writer, up bool) {
	type chunk struct {
		b  []byte
		at time.Time
	}
	chunks := make(chan chunk, 16)
	go func() {
		defer close(chunks)
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				chunks <- chunk{append([]byte(nil), buf[:n]...), time.Now()}
			}
			if err != nil {
				return
			}
		}
	}()
	defer func() {
		src.Close() // ends the reader
		for range chunks {
		}
	}()
	for c := range chunks {
		d := p.gate()
		if up && d > 0 {
			time.Sleep(time.Until(c.at.Add(d)))
		}
		_, _ = tap.Write(c.b)
		if _, err := dst.Write(c.b); err != nil {
			return
		}
	}
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
