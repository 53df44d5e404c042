package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// anyInstallLine is a go get or go install line of the repository's
// modules in a README, with or without a version.
var anyInstallLine = regexp.MustCompile(`go (?:get|install) (github\.com/session2/session2/[A-Za-z0-9_./-]*[A-Za-z0-9_-])(@[A-Za-z0-9.+-]*[A-Za-z0-9])?`)

// TestReadmeInstallLines checks the READMEs of this repository: every
// released module's README has a go get (go install for a command) line
// of that module, and every such line in any README names the tree's
// version, which the release tool keeps current. A line without a version
// would fetch whatever is newest, and none exists before the first tag.
func TestReadmeInstallLines(t *testing.T) {
	root, err := findRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	mods, err := loadModules(root)
	if err != nil {
		t.Fatal(err)
	}
	version, err := currentVersion(root)
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"README.md"}
	for _, m := range mods {
		files = append(files, m.Rel+"/README.md")
	}
	text := map[string]string{}
	for _, rel := range files {
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		text[rel] = string(data)
		for _, m := range anyInstallLine.FindAllStringSubmatch(string(data), -1) {
			if m[2] != "@"+version {
				t.Errorf("%s: %q names no version %s", rel, m[0], version)
			}
		}
	}
	for _, m := range mods {
		if !m.Released {
			continue
		}
		verb := "go get "
		if strings.HasPrefix(m.Rel, "cmd/") {
			verb = "go install "
		}
		want := verb + m.Path + "@" + version
		if !strings.Contains(text[m.Rel+"/README.md"], want) {
			t.Errorf("%s/README.md lacks the line %q", m.Rel, want)
		}
	}
}
