//go:build !unix || aix || (solaris && !illumos)

package filestore_test

import (
	"testing"

	"github.com/session2/session2/stores/filestore"
)

// TestUnsupported: where flock is missing, New says so instead of opening
// a store that could not keep its promises.
func TestUnsupported(t *testing.T) {
	s, err := filestore.New(t.TempDir())
	if err == nil {
		s.Close()
		t.Fatal("New succeeded on an operating system without flock")
	}
	t.Log(err)
}
