package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestLocal checks what install-local does: the proxy at the tree's
// version, exactly two export lines on standard output naming it by an
// absolute file URL, no change to the tree, and a warning when the module
// cache holds another copy of the same version.
func TestLocal(t *testing.T) {
	root := smallRepo(t)
	mods, err := loadModules(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := setVersion(root, mods, "v0.3.0"); err != nil {
		t.Fatal(err)
	}
	writeTree(t, root, map[string]string{".gitignore": ".release/\n"})
	git(t, root, "add", ".gitignore")
	git(t, root, "commit", "-qam", "v0.3.0")

	// A module cache holding core v0.3.0 from an earlier checkout.
	modCache := t.TempDir()
	writeTree(t, modCache, map[string]string{
		"cache/download/example.com/r/core/@v/v0.3.0.ziphash": "h1:an-earlier-checkout=\n",
	})
	proxyDir := filepath.Join(root, ".release", "proxy")
	var out, errOut bytes.Buffer
	env := goEnv{Proxy: "https://proxy.example.com,direct", ModCache: modCache}
	if err := local(root, mods, proxyDir, env, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	want := "export GOPROXY='file://" + filepath.ToSlash(proxyDir) + ",https://proxy.example.com,direct'\n" +
		"export GONOSUMDB='github.com/session2/session2'\n"
	if out.String() != want {
		t.Errorf("standard output:\n%s\nwant:\n%s", out.String(), want)
	}
	for _, f := range []string{"example.com/r/core/@v/v0.3.0.zip", "example.com/r/cmd/tool/@v/list"} {
		if _, err := os.Stat(filepath.Join(proxyDir, f)); err != nil {
			t.Error(err)
		}
	}
	msg := errOut.String()
	if !strings.Contains(msg, "another v0.3.0 of core,") || strings.Contains(msg, "cmd/tool,") {
		t.Errorf("the warning should name core alone as cached from another checkout:\n%s", msg)
	}
	status, err := exec.Command("git", "-C", root, "status", "--porcelain", "--untracked-files=all").Output()
	if err != nil {
		t.Fatal(err)
	}
	if len(status) != 0 {
		t.Errorf("local changed the tree:\n%s", status)
	}

	// A second run, in a shell where the first one's lines are set, gives
	// the same lines; a cache holding this very copy gives no warning.
	zipHash := filepath.Join(modCache, "cache/download/example.com/r/core/@v/v0.3.0.ziphash")
	os.Remove(zipHash)
	env = goEnv{
		Proxy:    "file://" + filepath.ToSlash(proxyDir) + ",https://proxy.example.com,direct",
		NoSumDB:  "github.com/session2/session2",
		ModCache: modCache,
	}
	out.Reset()
	errOut.Reset()
	if err := local(root, mods, proxyDir, env, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if out.String() != want {
		t.Errorf("second run's standard output:\n%s\nwant:\n%s", out.String(), want)
	}
	if strings.Contains(errOut.String(), "Warning") {
		t.Errorf("a warning with no cached copy:\n%s", errOut.String())
	}

	env.NoProxy = "github.com/session2/*"
	if err := local(root, mods, proxyDir, env, &out, &errOut); err == nil || !strings.Contains(err.Error(), "GONOPROXY") {
		t.Errorf("GONOPROXY covering the modules: err = %v, want one naming GONOPROXY", err)
	}
}

func TestExportLines(t *testing.T) {
	const url = "file:///src/session2/.release/proxy"
	for _, c := range []struct {
		env  goEnv
		want []string
	}{
		{goEnv{Proxy: "https://proxy.golang.org,direct"}, []string{
			"export GOPROXY='file:///src/session2/.release/proxy,https://proxy.golang.org,direct'",
			"export GONOSUMDB='github.com/session2/session2'",
		}},
		{goEnv{Proxy: "off", NoSumDB: "corp.example.com"}, []string{
			"export GOPROXY='file:///src/session2/.release/proxy,off'",
			"export GONOSUMDB='corp.example.com,github.com/session2/session2'",
		}},
		{goEnv{Proxy: url + "|https://goproxy.example.com", NoSumDB: "github.com/session2"}, []string{
			"export GOPROXY='file:///src/session2/.release/proxy,https://goproxy.example.com'",
			"export GONOSUMDB='github.com/session2'",
		}},
		{goEnv{}, []string{
			"export GOPROXY='file:///src/session2/.release/proxy,https://proxy.golang.org,direct'",
			"export GONOSUMDB='github.com/session2/session2'",
		}},
	} {
		if got := exportLines(url, c.env); !slices.Equal(got, c.want) {
			t.Errorf("exportLines(%+v) =\n%s\nwant\n%s", c.env, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
	if got := shellQuote("it's"); got != `'it'\''s'` {
		t.Errorf("shellQuote = %s", got)
	}
}
