package session

import (
	"crypto/hmac"
	"crypto/sha256"
	"testing"
)

// TestCSRFSecretIsHMAC: the secret is HMAC-SHA256 keyed by the token.
func TestCSRFSecretIsHMAC(t *testing.T) {
	for i := 0; i < 20; i++ {
		tok, err := newToken()
		if err != nil {
			t.Fatal(err)
		}
		mac := hmac.New(sha256.New, []byte(tok))
		mac.Write([]byte(csrfLabel))
		got := csrfSecret(tok)
		if !hmac.Equal(got[:], mac.Sum(nil)) {
			t.Fatalf("csrfSecret differs from crypto/hmac")
		}
	}
}
