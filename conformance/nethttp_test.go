package conformance_test

import (
	"testing"

	"github.com/session2/session2/conformance"
)

// TestAdapterNetHTTP runs the adapter suite on the core's own net/http
// middleware, with no router but the standard library's.
func TestAdapterNetHTTP(t *testing.T) {
	conformance.TestAdapter(t, conformance.NetHTTP)
}

// TestAdapterNetHTTPHeaderToken runs it in header-token mode.
func TestAdapterNetHTTPHeaderToken(t *testing.T) {
	conformance.TestAdapterHeaderToken(t, conformance.NetHTTP)
}

// TestCSRFNetHTTP runs the CSRF suite on the core's own net/http
// middlewares.
func TestCSRFNetHTTP(t *testing.T) {
	conformance.TestCSRF(t, conformance.NetHTTPProtected)
}

// TestHelpersNetHTTP runs the helper suite on the core's own gates.
func TestHelpersNetHTTP(t *testing.T) {
	conformance.TestHelpers(t, conformance.NetHTTPHelpers)
}
