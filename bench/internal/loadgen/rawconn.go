package loadgen

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
)

// RawConn is the lean HTTP/1.1 client of the throughput runs: one
// keep-alive TCP connection, requests written from bytes built once per
// session cookie, responses read straight from a bufio.Reader. It knows
// only what the throughput application answers: a status line, headers, a
// body of announced length. Anything else (no Content-Length, a chunked
// or closing response, a header too long for the buffer) is an error, never
// a guess, so that a change in the server's answers fails the run instead
// of skewing it.
type RawConn struct {
	conn net.Conn
	br   *bufio.Reader
	host string
	// prefix is the Set-Cookie value's start that names the session
	// cookie ("session=").
	prefix []byte
	// cookie is the session cookie as sent ("session=..."), and reqs the
	// requests carrying it, built again whenever the cookie changes.
	cookie string
	reqs   map[string][]byte
}

// DialRaw connects to the server at addr (host:port). cookieName is the
// name of the session cookie the client keeps.
func DialRaw(addr, cookieName string) (*RawConn, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &RawConn{
		conn: conn, br: bufio.NewReaderSize(conn, 4096), host: addr,
		prefix: []byte(cookieName + "="), reqs: map[string][]byte{},
	}, nil
}

// Close closes the connection.
func (c *RawConn) Close() error { return c.conn.Close() }

// Session returns the session cookie as sent ("name=value"), or "" before
// the server set one.
func (c *RawConn) Session() string { return c.cookie }

// request returns the bytes of a GET of path carrying the current cookie.
func (c *RawConn) request(path string) []byte {
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
)

// Get sends a GET of path with the connection's session cookie and reads
// the whole response. It keeps the session cookie the server sets, and
// fails on any status but 200.
func (c *RawConn) Get(path string) error {
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
	length, newCookie, err := c.readHeader(path)
	if err != nil {
		return err
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
		return fmt.Errorf("%s: response without Content-Length: the raw client cannot tell where it ends (use the nethttp client)", path)
	}
	if newCookie != nil {
		ck := string(newCookie)
		if ck == string(c.prefix) {
			return fmt.Errorf("%s: the server deleted the session cookie", path)
		}
		if ck != c.cookie {
			c.cookie = ck
			clear(c.reqs)
		}
	}
	return nil
}

// readHeader reads the response's header lines up to the blank line and
// returns the Content-Length (-1 when absent) and the session cookie set,
// if any.
func (c *RawConn) readHeader(path string) (length int, newCookie []byte, err error) {
	length = -1
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				return 0, nil, fmt.Errorf("%s: header line longer than %d bytes", path, c.br.Size())
			}
			return 0, nil, fmt.Errorf("%s: header: %w", path, err)
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			return length, newCookie, nil
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return 0, nil, fmt.Errorf("%s: malformed header line %q", path, line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, rawContentLength):
			n, ok := rawAtoi(value)
			if !ok {
				return 0, nil, fmt.Errorf("%s: bad Content-Length %q", path, value)
			}
			length = n
		case bytes.EqualFold(name, rawTransferEnc):
			return 0, nil, fmt.Errorf("%s: Transfer-Encoding %q: the raw client reads only bodies of announced length (use the nethttp client)", path, value)
		case bytes.EqualFold(name, rawConnection):
			if bytes.EqualFold(value, []byte("close")) {
				return 0, nil, fmt.Errorf("%s: the server closes the connection: the raw client needs keep-alive", path)
			}
		case bytes.EqualFold(name, rawSetCookie):
			if bytes.HasPrefix(value, c.prefix) {
				v, _, _ := bytes.Cut(value, []byte(";"))
				newCookie = append(newCookie[:0], v...) // ReadSlice's bytes are gone at the next read
			}
		}
	}
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
