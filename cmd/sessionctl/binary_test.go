package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBinary builds sessionctl and checks its exit statuses and messages
// as a shell or cron sees them.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "sessionctl")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	store := "file:" + filepath.Join(dir, "sessions")

	runBin := func(t *testing.T, env []string, args ...string) result {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "SESSION2_STORE=")
		cmd.Env = append(cmd.Env, env...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return result{code: code, stdout: out.String(), stderr: errb.String()}
	}

	tests := []struct {
		name  string
		env   []string
		args  []string
		code  int
		parts []string // in stderr, one line
	}{
		{"bad flag", nil, []string{"-store", store, "ls", "-nope"}, 2, []string{"flag provided but not defined: -nope"}},
		{"bad global flag", nil, []string{"-nope"}, 2, []string{"-nope"}},
		{"no command", nil, nil, 2, []string{"no command given"}},
		{"no store", nil, []string{"stats"}, 2, []string{"no store given", "SESSION2_STORE"}},
		{"unknown scheme", nil, []string{"-store", "memcached://localhost", "ls"}, 1, []string{`unknown store scheme "memcached"`, "registered schemes:"}},
		{"missing store", nil, []string{"-store", store, "ls"}, 1, []string{"no store at", "setup"}},
		{"setup", nil, []string{"-store", store, "setup"}, 0, nil},
		{"setup again, from the environment", []string{"SESSION2_STORE=" + store}, []string{"setup"}, 0, nil},
		{"empty ls", []string{"SESSION2_STORE=" + store}, []string{"ls"}, 0, []string{"no sessions found"}},
		{"gc", nil, []string{"-store", store, "gc", "-idle", "2h"}, 0, nil},
		{"unreachable postgres", nil, []string{"-store", "postgres://app:hunter2@127.0.0.1:1/test?sslmode=disable", "ls"}, 1,
			[]string{"cannot open store postgres://app:xxxxx@127.0.0.1:1/test", "connection refused", "check that the store is reachable"}},
		{"unreachable mysql", nil, []string{"-store", "mysql://root@127.0.0.1:1/test", "stats"}, 1,
			[]string{"cannot open store mysql://root@127.0.0.1:1/test", "connection refused", "check that the store is reachable"}},
		{"unreachable redis", nil, []string{"-store", "redis://:hunter2@127.0.0.1:1/0", "stats"}, 1,
			[]string{"cannot open store redis://:xxxxx@127.0.0.1:1/0", "connection refused", "check that the store is reachable"}},
		{"rm of nothing", nil, []string{"-store", store, "rm", "abcdef"}, 1, []string{"no session with key prefix abcdef"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runBin(t, tt.env, tt.args...)
			wantCode(t, r, tt.code)
			if strings.Contains(r.stderr, "hunter2") {
				t.Errorf("a password in stderr: %q", r.stderr)
			}
			if tt.parts != nil {
				oneErrorLine(t, r.stderr, tt.parts...)
			} else if r.stderr != "" {
				t.Errorf("stderr %q", r.stderr)
			}
		})
	}

	t.Run("help", func(t *testing.T) {
		r := runBin(t, nil, "-h")
		wantCode(t, r, 0)
		if !strings.Contains(r.stdout, "*/15 * * * * sessionctl -store file:/var/lib/app/sessions gc -idle 2h") {
			t.Errorf("-h lacks the cron example:\n%s", r.stdout)
		}
	})
}
