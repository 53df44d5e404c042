package session

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
)

// tokenLen is the length of a session token: 32 random bytes in unpadded
// base64url.
const tokenLen = 43

// newToken returns a fresh session token. It fails closed: an error from the
// system's random source is returned, never a weaker value.
func newToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("session: reading random bytes: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// validToken reports whether s has exactly the shape of a token this package
// issues: 43 characters of the base64url alphabet whose last character
// carries no stray bits. Anything else never reaches a store.
func validToken(s string) bool {
	if len(s) != tokenLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if b64table[s[i]] < 0 {
			return false
		}
	}
	// 43 characters hold 258 bits; the last character's two low bits are
	// padding and must be zero in a canonical encoding.
	return b64table[s[len(s)-1]]&3 == 0
}

// b64table is b64index for every byte, looked up on every request.
var b64table = func() (t [256]int8) {
	for c := range t {
		t[c] = int8(b64index(byte(c)))
	}
	return t
}()

func b64index(c byte) int {
	switch {
	case c >= 'A' && c <= 'Z':
		return int(c - 'A')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 26
	case c >= '0' && c <= '9':
		return int(c-'0') + 52
	case c == '-':
		return 62
	case c == '_':
		return 63
	}
	return -1
}

// keyOf returns the store key for a token: the lowercase hexadecimal
// SHA-256 of the token. Stores never see the token itself.
func keyOf(token string) string {
	var buf [KeyLen]byte
	return string(appendKey(buf[:0], token))
}

// appendKey appends the store key of token to dst.
func appendKey(dst []byte, token string) []byte {
	// Hashed from an array on the stack: converting a string longer than
	// 32 bytes to a slice would allocate, on every request.
	var in [tokenLen]byte
	var sum [sha256.Size]byte
	if len(token) <= len(in) {
		n := copy(in[:], token)
		sum = sha256.Sum256(in[:n])
	} else {
		sum = sha256.Sum256([]byte(token))
	}
	return hex.AppendEncode(dst, sum[:])
}
