package sessiontest

import (
	"net"
	"sync"
	"testing"
)

// SilentServer starts a TCP server on a free loopback port that accepts
// every connection and never sends a byte, as a server (a database, Redis) whose process is
// stuck or whose host is behind a partition that lets the handshake
// through. It returns the server's address, host:port; t.Cleanup closes
// the listener and the connections it holds.
func SilentServer(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("sessiontest: silent server: %v", err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		done  = make(chan struct{})
	)
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}
