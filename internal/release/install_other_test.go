//go:build !unix

package main

import "testing"

// readmeInstall runs the README's bash lines, which need a Unix shell.
func readmeInstall(t *testing.T, root, version string, quickstarts []quickstart) {
	t.Skip("the README's install lines are bash: run on a Unix system")
}
