package session

import (
	"crypto/hmac"
	"crypto/sha256"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
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

// FuzzBodyToken: the token field bodyToken finds in a URL-encoded or a
// well-formed multipart form is the one r.PostFormValue returns, whether the body
// arrives at once or a byte at a time, and the body reads the same
// afterwards.
func FuzzBodyToken(f *testing.F) {
	for _, s := range []string{
		"csrf_token=abc", "a=1&csrf_token=x%2By&csrf_token=2", "csrf%5Ftoken=esc",
		"csrf_token=a;b&csrf_token=ok", "csrf_token=%zz&csrf_token=good", "csrf_token=a+b",
		"&&csrf_token=&csrf_token=z", "csrf_token", "x=1&csrf_token=tail",
	} {
		f.Add(s, false, false)
		f.Add(s, true, true)
	}
	f.Fuzz(func(t *testing.T, form string, multi, oneByte bool) {
		ct, body := "application/x-www-form-urlencoded", form
		if multi {
			var b strings.Builder
			mw := multipart.NewWriter(&b)
			for _, kv := range strings.Split(form, "&") {
				k, v, _ := strings.Cut(kv, "=")
				if err := mw.WriteField(k, v); err != nil {
					t.Skip()
				}
			}
			_ = mw.Close()
			ct, body = mw.FormDataContentType(), b.String()
		}
		want := httptest.NewRequest("POST", "/", strings.NewReader(body))
		want.Header.Set("Content-Type", ct)
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("Content-Type", ct)
		if oneByte {
			r.Body = io.NopCloser(iotest.OneByteReader(r.Body))
			r.ContentLength = -1
		}
		got, _, err := bodyToken(r, DefaultCSRFField, DefaultCSRFBodyLimit)
		if err != nil {
			t.Fatal(err)
		}
		if multi && want.ParseMultipartForm(1<<20) != nil {
			// A malformed form: net/http keeps no field of it, the check
			// may have found the token before the fault. Either way the
			// handler meets the fault.
		} else if exp := want.PostFormValue(DefaultCSRFField); got != exp {
			t.Errorf("%q: got %q, PostFormValue %q", body, got, exp)
		}
		rest, err := io.ReadAll(r.Body)
		if err != nil || string(rest) != body {
			t.Errorf("body after the check %q (%v), want %q", rest, err, body)
		}
	})
}
