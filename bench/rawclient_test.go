package bench

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// rawConn is the lean HTTP/1.1 client of the throughput tests: one
// keep-alive TCP connection, requests written from bytes built once per
// session cookie, responses read straight from a bufio.Reader. It knows
// only what the throughput application answers: a status line, headers, a
// body of announced length. Anything else (no Content-Length, a chunked
// or closing response, a header too long for the buffer) is an error, never
// a guess, so that a change in the server's answers fails the run instead
// of skewing it.
type rawConn struct {
	conn net.Conn
	br   *bufio.Reader
	host string
	// cookie is the session cookie as sent ("session=..."), and reqs the
	// requests carrying it, built again whenever the cookie changes.
	cookie string
	reqs   map[string][]byte
}

// dialRaw connects to the server at addr (host:port).
func dialRaw(addr string) (*rawConn, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &rawConn{conn: conn, br: bufio.NewReaderSize(conn, 4096), host: addr, reqs: map[string][]byte{}}, nil
}

func (c *rawConn) Close() error { return c.conn.Close() }

// request returns the bytes of a GET of path carrying the current cookie.
func (c *rawConn) request(path string) []byte {
	if b, ok := c.reqs[path]; ok {
		return b
	}
	b := []byte("GET " + path + " HTTP/1.1\r\nHost: " + c.host + "\r\nUser-Agent: session2-bench\r\n")
	if c.cookie != "" {
		b = append(b, "Cookie: "+c.cookie+"\r\n"...)
	}
	b = append(b, "\r\n"...)
	c.reqs[path] = b
	return b
}

var (
	rawSetCookie     = []byte("set-cookie")
	rawContentLength = []byte("content-length")
	rawTransferEnc   = []byte("transfer-encoding")
	rawConnection    = []byte("connection")
	rawSessionPrefix = []byte(cookieName + "=")
)

// get sends a GET of path with the connection's session cookie and reads
// the whole response. It keeps the session cookie the server sets, and
// fails on any status but 200.
func (c *rawConn) get(path string) error {
	if _, err := c.conn.Write(c.request(path)); err != nil {
		return err
	}
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		return fmt.Errorf("%s: status line: %w", path, err)
	}
	// "HTTP/1.1 200 OK\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return fmt.Errorf("%s: malformed status line %q", path, line)
	}
	ok200 := bytes.Equal(line[9:12], []byte("200"))
	status := line[9:12:12]
	if !ok200 {
		status = bytes.Clone(status)
	}
	length := -1
	var newCookie []byte
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				return fmt.Errorf("%s: header line longer than %d bytes", path, c.br.Size())
			}
			return fmt.Errorf("%s: header: %w", path, err)
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return fmt.Errorf("%s: malformed header line %q", path, line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, rawContentLength):
			n, ok := rawAtoi(value)
			if !ok {
				return fmt.Errorf("%s: bad Content-Length %q", path, value)
			}
			length = n
		case bytes.EqualFold(name, rawTransferEnc):
			return fmt.Errorf("%s: Transfer-Encoding %q: the raw client reads only bodies of announced length (use -tput.client=nethttp)", path, value)
		case bytes.EqualFold(name, rawConnection):
			if bytes.EqualFold(value, []byte("close")) {
				return fmt.Errorf("%s: the server closes the connection: the raw client needs keep-alive", path)
			}
		case bytes.EqualFold(name, rawSetCookie):
			if bytes.HasPrefix(value, rawSessionPrefix) {
				v, _, _ := bytes.Cut(value, []byte(";"))
				newCookie = append(newCookie[:0], v...) // ReadSlice's bytes are gone at the next read
			}
		}
	}
	if length >= 0 {
		if _, err := c.br.Discard(length); err != nil {
			return fmt.Errorf("%s: body: %w", path, err)
		}
	}
	if !ok200 {
		return fmt.Errorf("%s: status %s", path, status)
	}
	if length < 0 {
		return fmt.Errorf("%s: response without Content-Length: the raw client cannot tell where it ends (use -tput.client=nethttp)", path)
	}
	if newCookie != nil {
		ck := string(newCookie)
		if ck == cookieName+"=" {
			return fmt.Errorf("%s: the server deleted the session cookie", path)
		}
		if ck != c.cookie {
			c.cookie = ck
			clear(c.reqs)
		}
	}
	return nil
}

// rawAtoi parses a non-negative decimal number of at most nine digits.
func rawAtoi(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, d := range b {
		if d < '0' || d > '9' {
			return 0, false
		}
		n = n*10 + int(d-'0')
	}
	return n, true
}

// tputClient is one client of drive: its own session, its own connection
// (or, for net/http, its share of a pool).
type tputClient interface {
	// get sends a GET of path with the client's session cookie, keeping
	// the cookie the server sets.
	get(path string) error
	// session is the client's session cookie as sent.
	session() string
	Close() error
}

func (c *rawConn) session() string { return c.cookie }

// netHTTPClient is a client of drive going through net/http's client and
// a shared transport.
type netHTTPClient struct {
	c      *http.Client
	base   string
	cookie string
}

func (c *netHTTPClient) get(path string) error {
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
		if ck.Name == cookieName {
			if ck.Value == "" {
				return fmt.Errorf("%s: the server deleted the session cookie", path)
			}
			c.cookie = cookieName + "=" + ck.Value
		}
	}
	return nil
}

func (c *netHTTPClient) session() string { return c.cookie }
func (c *netHTTPClient) Close() error    { return nil }

// newTputClients opens n clients of the kind -tput.client names to the
// server at url (http://host:port), each without a session yet.
func newTputClients(kind, url string, n int) ([]tputClient, func(), error) {
	cs := make([]tputClient, 0, n)
	switch kind {
	case "raw":
		addr := url[len("http://"):]
		closeAll := func() {
			for _, c := range cs {
				c.Close()
			}
		}
		for range n {
			c, err := dialRaw(addr)
			if err != nil {
				closeAll()
				return nil, nil, err
			}
			cs = append(cs, c)
		}
		return cs, closeAll, nil
	case "nethttp":
		tr := &http.Transport{MaxIdleConns: n, MaxIdleConnsPerHost: n, IdleConnTimeout: time.Minute}
		hc := &http.Client{Transport: tr}
		for range n {
			cs = append(cs, &netHTTPClient{c: hc, base: url})
		}
		return cs, tr.CloseIdleConnections, nil
	}
	return nil, nil, fmt.Errorf("-tput.client: unknown client %q (known: raw, nethttp)", kind)
}

// TestRawClient checks that the raw client sends the session cookie it was
// given, and refuses what it cannot read instead of misreading it.
func TestRawClient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/set":
			http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "abc", Path: "/", HttpOnly: true})
			w.Header().Add("Set-Cookie", "other=zzz")
			io.WriteString(w, "set")
		case "/echo":
			ck, err := r.Cookie(cookieName)
			if err != nil {
				http.Error(w, "no cookie", http.StatusBadRequest)
				return
			}
			io.WriteString(w, ck.Value)
		case "/chunked":
			io.WriteString(w, "a")
			w.(http.Flusher).Flush()
			io.WriteString(w, "b")
		case "/delete":
			http.SetCookie(w, &http.Cookie{Name: cookieName, MaxAge: -1})
		case "/close":
			w.Header().Set("Connection", "close")
			io.WriteString(w, "bye")
		}
	}))
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	c, err := dialRaw(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.get("/echo"); err == nil || !strings.Contains(err.Error(), "status 400") {
		t.Fatalf("GET /echo without a cookie: %v, want status 400", err)
	}
	// The connection is still in step: the 400's body was read.
	if err := c.get("/set"); err != nil || c.session() != cookieName+"=abc" {
		t.Fatalf("GET /set: %v, cookie %q", err, c.session())
	}
	for range 3 {
		if err := c.get("/echo"); err != nil {
			t.Fatalf("GET /echo with the cookie: %v", err)
		}
	}
	for path, want := range map[string]string{
		"/chunked": "Transfer-Encoding",
		"/delete":  "deleted",
		"/close":   "closes",
	} {
		c, err := dialRaw(addr)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.get(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("GET %s: %v, want an error saying %q", path, err, want)
		}
		c.Close()
	}
}
