// Package loadgen drives the throughput application over real HTTP: clients
// that each keep their own session, a lean HTTP/1.1 client that takes
// little CPU from the server beside net/http's, and a driver that runs them
// for a while and reports requests per second and latency.
package loadgen

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// The load generators Open knows.
const (
	// Raw is RawConn: one keep-alive connection per client, requests and
	// responses read by hand.
	Raw = "raw"
	// NetHTTP is net/http's client, with one transport shared by the
	// clients.
	NetHTTP = "nethttp"
)

// Client is one client of Drive: its own session, its own connection (or,
// for net/http, its share of a pool).
type Client interface {
	// Get sends a GET of path with the client's session cookie, keeping
	// the cookie the server sets; any status but 200 is an error.
	Get(path string) error
	// Session is the client's session cookie as sent.
	Session() string
	Close() error
}

// Open opens n clients of kind (Raw or NetHTTP) to the server at url
// (http://host:port), each without a session yet, keeping the cookie
// named cookieName. The function returned closes them all.
func Open(kind, url, cookieName string, n int) ([]Client, func(), error) {
	cs := make([]Client, 0, n)
	switch kind {
	case Raw:
		addr, ok := strings.CutPrefix(url, "http://")
		if !ok {
			return nil, nil, fmt.Errorf("loadgen: the raw client needs an http:// URL, not %q", url)
		}
		closeAll := func() {
			for _, c := range cs {
				c.Close()
			}
		}
		for range n {
			c, err := DialRaw(addr, cookieName)
			if err != nil {
				closeAll()
				return nil, nil, err
			}
			cs = append(cs, c)
		}
		return cs, closeAll, nil
	case NetHTTP:
		tr := &http.Transport{MaxIdleConns: n, MaxIdleConnsPerHost: n, IdleConnTimeout: time.Minute}
		hc := &http.Client{Transport: tr}
		for range n {
			cs = append(cs, &netHTTPClient{c: hc, base: url, name: cookieName})
		}
		return cs, tr.CloseIdleConnections, nil
	}
	return nil, nil, fmt.Errorf("loadgen: unknown client %q (known: %s, %s)", kind, Raw, NetHTTP)
}

// netHTTPClient is a Client going through net/http's client and a shared
// transport.
type netHTTPClient struct {
	c      *http.Client
	base   string
	name   string
	cookie string
}

func (c *netHTTPClient) Get(path string) error {
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	if c.cookie != "" {
		req.Header.Set("Cookie", c.cookie)
	}
	resp, err := c.c.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: status %d", path, resp.StatusCode)
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == c.name {
			if ck.Value == "" {
				return fmt.Errorf("%s: the server deleted the session cookie", path)
			}
			c.cookie = c.name + "=" + ck.Value
		}
	}
	return nil
}

func (c *netHTTPClient) Session() string { return c.cookie }
func (c *netHTTPClient) Close() error    { return nil }
