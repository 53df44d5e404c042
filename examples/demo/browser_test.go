package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

// artifactDir is where the browser test leaves its screenshot:
// $SESSION2_ARTIFACTS, else session2-artifacts in the temporary directory.
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SESSION2_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "session2-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifact directory: %v", err)
	}
	return dir
}

// TestBrowser drives the demo with headless Chromium: log in through the
// form, increment the counter, restart the demo process on the same file
// store and port, reload, and find the session intact; then log out.
func TestBrowser(t *testing.T) {
	needChromium(t)
	bin := demoBinary(t)
	store := "file:" + filepath.Join(t.TempDir(), "sessions")
	// The restarted demo must get the same port back, so take one below
	// the kernel's ephemeral range, which outgoing connections of other
	// programs could otherwise claim in between.
	port := strconv.Itoa(quietPort(t))
	demo := startDemo(t, bin, "-host", "127.0.0.1", "-port", port, "-store", store, "-admin-local")
	base := strings.TrimSuffix(demo.url, "/")

	b := newBrowser(t, func() string { return demo.output() })
	step, click := b.step, b.click
	ctx := b.ctx

	step("open the login form", chromedp.Navigate(base+"/login"), chromedp.WaitVisible("#name", chromedp.ByQuery))
	step("type a name", chromedp.SendKeys("#name", "alice", chromedp.ByQuery))
	click("log in", "#login")
	step("welcome", waitText("Welcome! alice"))
	step("go home", chromedp.Navigate(base+"/"), waitText("Hello, alice!"), waitText("Counter: 0"))
	click("increment", "#increment")
	step("counter page", waitText("Counter: 1"))
	step("increment again", chromedp.Navigate(base+"/counter"), waitText("Counter: 2"))
	step("home again", chromedp.Navigate(base+"/"), waitText("Counter: 2"))

	// Restart the demo on the same store and port, then reload the page.
	demo.stop()
	demo = startDemo(t, bin, "-host", "127.0.0.1", "-port", port, "-store", store, "-admin-local")
	var stale bool
	var text string
	step("reload after the restart",
		chromedp.Evaluate(`window.beforeRestart = true`, nil),
		chromedp.Reload(),
		waitText("Hello, alice!"),
		chromedp.Evaluate(`window.beforeRestart === true`, &stale),
		chromedp.Text("body", &text, chromedp.ByQuery))
	if stale {
		t.Fatal("the page was not reloaded")
	}
	if !strings.Contains(text, "Hello, alice!") || !strings.Contains(text, "Counter: 2") {
		t.Fatalf("after the restart the page says:\n%s", text)
	}

	shot := b.screenshot("demo-logged-in.png")
	t.Logf("screenshot of the logged-in page after the restart: %s", shot)

	// Tabs: a form rendered in this tab still submits after many page
	// views in another tab (the per-session CSRF token does not change).
	step("open the flash form", chromedp.Navigate(base+"/flash"), chromedp.WaitVisible("#message", chromedp.ByQuery))
	tab, cancelTab := chromedp.NewContext(ctx)
	for i := 0; i < 12; i++ {
		page := []string{"/", "/sessions", "/login", "/check"}[i%4]
		if err := chromedp.Run(tab, chromedp.Navigate(base+page)); err != nil {
			cancelTab()
			b.failed("page views in a second tab", err)
		}
	}
	cancelTab()
	step("type a flash message", chromedp.SendKeys("#message", "from the first tab", chromedp.ByQuery))
	click("submit the old form", "#flash")
	step("flash set", waitText("Flash set: from the first tab"))
	step("home for the log-out form", chromedp.Navigate(base+"/"), waitText("Hello, alice!"))

	click("log out", "#logout")
	step("goodbye", waitText("Goodbye!"))
	step("home, logged out", chromedp.Navigate(base+"/"), waitText("Not logged in."))
	demo.stop()
}

// browser is a headless Chromium driven by chromedp, closed when the test
// ends.
type browser struct {
	t   *testing.T
	ctx context.Context
	// logs returns the demo's log, for failure messages.
	logs func() string
	out  *lockedBuffer
}

// needChromium skips the test when Chromium is missing, or fails it when
// CI is set.
func needChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing, and CI is set: install Debian's chromium package (apt-get install -y chromium)", chromiumPath)
		}
		t.Skipf("%s is missing: apt-get install -y chromium to run the browser test (it fails instead when CI is set)", chromiumPath)
	}
}

// newBrowser starts headless Chromium with a fresh profile (see
// needChromium). The steps have two minutes in all.
func newBrowser(t *testing.T, logs func() string) *browser {
	t.Helper()
	needChromium(t)
	b := &browser{t: t, logs: logs, out: &lockedBuffer{}}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profileDir(t)),
		chromedp.WindowSize(1000, 720),
		chromedp.CombinedOutput(b.out),
	)
	ctx, cancelCtx := chromedp.NewContext(allocCtx, chromedp.WithErrorf(func(format string, args ...any) {
		// This cdproto release predates some event fields of newer
		// browsers; chromedp logs and skips those events, which is harmless.
		if !strings.HasPrefix(format, "could not unmarshal event") {
			t.Logf("chromedp: "+format, args...)
		}
	}))
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	b.ctx = ctx
	return b
}

// failed ends the test with the page's text, the demo's log and the
// browser's output.
func (b *browser) failed(name string, err error) {
	b.t.Helper()
	var body string
	_ = chromedp.Run(b.ctx, chromedp.Text("body", &body, chromedp.ByQuery))
	b.t.Fatalf("%s: %v\npage text:\n%s\ndemo log:\n%s\nchromium:\n%s", name, err, body, b.logs(), b.out.String())
}

// step runs actions, failing the test when one fails.
func (b *browser) step(name string, actions ...chromedp.Action) {
	b.t.Helper()
	if err := chromedp.Run(b.ctx, actions...); err != nil {
		b.failed(name, err)
	}
}

// click clicks an element that leads to another page and waits for that
// page's response, which must be a 200.
func (b *browser) click(name, sel string) {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(sel, chromedp.ByQuery))
	if err != nil {
		b.failed(name, err)
	}
	if resp.Status != 200 {
		b.failed(name, fmt.Errorf("status %d", resp.Status))
	}
}

// screenshot saves the browser's window as name in the artifact
// directory, and returns its path.
func (b *browser) screenshot(name string) string {
	b.t.Helper()
	var png []byte
	b.step("screenshot "+name, chromedp.CaptureScreenshot(&png))
	shot := filepath.Join(artifactDir(b.t), name)
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		b.t.Fatalf("writing the screenshot: %v", err)
	}
	return shot
}

// profileDir returns a fresh directory for Chromium's profile. It is not
// t.TempDir: Chromium's helper processes may still write into it for a
// moment after the browser is gone, which would fail the test's own
// cleanup, so it is removed with a few retries instead.
func profileDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "session2-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		var err error
		for range 20 {
			if err = os.RemoveAll(dir); err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("leaving Chromium's profile %s behind: %v", dir, err)
	})
	return dir
}

// quietPort returns a free TCP port on 127.0.0.1 below the ephemeral
// port range (read from /proc on Linux, else assumed to start at 32768).
func quietPort(t *testing.T) int {
	t.Helper()
	low := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > 12000 {
				low = n
			}
		}
	}
	for range 100 {
		port := 10000 + mrand.IntN(low-10000)
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err == nil {
			ln.Close()
			return port
		}
	}
	t.Fatal("no free port found below the ephemeral range")
	return 0
}

// waitText waits until the page's text contains want.
func waitText(want string) chromedp.Action {
	q, _ := json.Marshal(want)
	return chromedp.Poll(`document.body !== null && document.body.innerText.includes(`+string(q)+`)`, nil, chromedp.WithPollingTimeout(20*time.Second))
}

// lockedBuffer collects the browser's output, written by chromedp's
// goroutine and read by the test's.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
