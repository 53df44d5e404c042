// Command release cuts a release of session2's modules in one step.
//
//	go run ./internal/release [-proxy DIR] [-check test|build|none] VERSION
//	go run ./internal/release [-proxy DIR] local
//	go run ./internal/release tidy
//	go run ./internal/release version
//	GOWORK=off go -C internal/release run . sync
//
// With a VERSION such as v0.2.0 it:
//
//   - makes every module require its sibling modules at VERSION, with no
//     replace directive, and points go.work's replacements at VERSION;
//   - refuses a VERSION that CHANGELOG.md has no section for;
//   - writes the released modules (core, stores, adapters, conformance,
//     contrib and cmd; never examples, bench, test-only or internal
//     modules) into DIR laid out as a module proxy, each zip carrying the
//     repository's LICENSE;
//   - with -check build, builds and vets every module with GOWORK=off
//     against those zips, as a user's build would see them; with -check
//     test (the default) it also runs the released modules' tests so;
//   - compares each module's API with its last release tag and says what
//     changed incompatibly, failing when VERSION does not allow it;
//   - prints the git tags a maintainer pushes.
//
// "local" is how a user installs from a clone before the tags exist (the
// install-local script at the repository's root runs it): it writes the
// released modules, at the version the tree is set to, into the proxy
// directory and prints the export lines of GOPROXY and GONOSUMDB that
// make go get fetch them from there, from any folder. It changes no file
// of the tree outside the proxy directory, runs no check and takes a
// second once built.
//
// "tidy" runs go mod tidy in every module, which go mod tidy cannot do by
// itself in a workspace whose modules require unreleased versions.
// "version" prints the version the tree is set to. "sync" sets every
// module, and go.work's replacements, to that version: run it after adding
// a module to go.work's use block, with GOWORK=off since the workspace
// does not load until the new module has its replacement.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"golang.org/x/mod/semver"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

func run(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("release", flag.ContinueOnError)
	fs.SetOutput(w)
	proxyDir := fs.String("proxy", "", "module proxy `directory` to write (default .release/proxy in the repository)")
	checkMode := fs.String("check", "test", "GOWORK=off checks: test (build, vet, test), build (build, vet) or none")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: go run ./internal/release [-proxy DIR] [-check test|build|none] VERSION")
		fmt.Fprintln(fs.Output(), "       go run ./internal/release [-proxy DIR] local")
		fmt.Fprintln(fs.Output(), "       go run ./internal/release tidy | version | sync")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	root, err := findRoot(".")
	if err != nil {
		return err
	}
	mods, err := loadModules(root)
	if err != nil {
		return err
	}
	if fs.NArg() == 1 && fs.Arg(0) == "version" {
		version, err := currentVersion(root)
		if err != nil {
			return err
		}
		fmt.Fprintln(w, version)
		return nil
	}
	if fs.NArg() == 1 && fs.Arg(0) == "sync" {
		version, err := currentVersion(root)
		if err != nil {
			return err
		}
		changed, err := setVersion(root, mods, version)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "at %s; changed: %s\n", version, strings.Join(changed, ", "))
		return nil
	}
	if fs.NArg() == 1 && fs.Arg(0) == "local" {
		dir, err := proxyPath(root, *proxyDir)
		if err != nil {
			return err
		}
		env, err := readGoEnv()
		if err != nil {
			return err
		}
		return local(root, mods, dir, env, w, os.Stderr)
	}
	if fs.NArg() == 1 && fs.Arg(0) == "tidy" {
		version, err := currentVersion(root)
		if err != nil {
			return err
		}
		return tidy(mods, version, w)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("want one VERSION, got %d arguments", fs.NArg())
	}
	version := fs.Arg(0)
	if !semver.IsValid(version) || semver.Canonical(version) != version {
		return fmt.Errorf("%q is not a semantic version such as v0.2.0", version)
	}
	if semver.Major(version) != "v0" && semver.Major(version) != "v1" {
		return fmt.Errorf("%s needs /%s module paths, which this tool does not write", version, semver.Major(version))
	}
	switch *checkMode {
	case "test", "build", "none":
	default:
		return fmt.Errorf("-check %q: want test, build or none", *checkMode)
	}
	if err := changelogHas(root, version); err != nil {
		return err
	}
	if *proxyDir, err = proxyPath(root, *proxyDir); err != nil {
		return err
	}

	fmt.Fprintf(w, "== session2 %s: %d modules, %d released\n", version, len(mods), countReleased(mods))
	changed, err := setVersion(root, mods, version)
	if err != nil {
		return err
	}
	if len(changed) == 0 {
		fmt.Fprintf(w, "every requirement between the modules is already %s\n", version)
	} else {
		fmt.Fprintf(w, "set to %s: %s (commit these)\n", version, strings.Join(changed, ", "))
	}

	fmt.Fprintf(w, "\n== module proxy: %s\n", *proxyDir)
	if err := writeProxy(root, mods, version, *proxyDir); err != nil {
		return err
	}
	fmt.Fprintf(w, "use it with GOPROXY=%s,%s GONOSUMDB=github.com/session2/session2\n", fileURL(*proxyDir), "https://proxy.golang.org")

	if *checkMode != "none" {
		fmt.Fprintf(w, "\n== GOWORK=off checks against the proxy\n")
		if err := check(mods, *proxyDir, *checkMode == "test", w); err != nil {
			return err
		}
	}

	fmt.Fprintf(w, "\n== API changes since each module's last release\n")
	reports, err := apiChanges(root, mods, version)
	if err != nil {
		return err
	}
	var refused []string
	for _, r := range reports {
		switch {
		case r.Previous == "":
			fmt.Fprintf(w, "%-28s first release\n", r.Module)
		case len(r.Incompatible) == 0:
			fmt.Fprintf(w, "%-28s compatible with %s (%d additions)\n", r.Module, r.Previous, len(r.Compatible))
		default:
			fmt.Fprintf(w, "%-28s INCOMPATIBLE with %s:\n", r.Module, r.Previous)
			for _, c := range r.Incompatible {
				fmt.Fprintf(w, "    %s\n", c)
			}
			if !r.Allowed {
				refused = append(refused, r.Module)
			}
		}
	}
	if len(refused) > 0 {
		return fmt.Errorf("%s changes incompatibly, which %s does not allow: move the minor version below v1, the major one from v1", strings.Join(refused, ", "), version)
	}

	fmt.Fprintf(w, "\n== tags to push, once the commit that holds this release is on main\n")
	var tags []string
	for _, m := range mods {
		if m.Released {
			tags = append(tags, m.Rel+"/"+version)
		}
	}
	for _, t := range tags {
		fmt.Fprintf(w, "git tag %s\n", t)
	}
	fmt.Fprintf(w, "git push origin %s\n", strings.Join(tags, " "))
	return nil
}

// proxyPath is the absolute path of the -proxy directory, by default
// .release/proxy in the repository.
func proxyPath(root, dir string) (string, error) {
	if dir == "" {
		return filepath.Join(root, ".release", "proxy"), nil
	}
	return filepath.Abs(dir)
}

func countReleased(mods []mod) int {
	n := 0
	for _, m := range mods {
		if m.Released {
			n++
		}
	}
	return n
}

// changelogHas checks that CHANGELOG.md has a section for version.
func changelogHas(root, version string) error {
	data, err := os.ReadFile(filepath.Join(root, "CHANGELOG.md"))
	if err != nil {
		return fmt.Errorf("CHANGELOG.md: %w", err)
	}
	re := regexp.MustCompile(`(?m)^## \[?` + regexp.QuoteMeta(version) + `\b`)
	if !re.Match(data) {
		return fmt.Errorf("CHANGELOG.md has no section \"## %s\": say what the release brings first", version)
	}
	return nil
}
