package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserDevices drives /devices with headless Chromium: log in, find
// this browser listed as "this device", log in as the same user from a
// plain HTTP client, reload, sign that other session out with its button,
// and see it gone (and the client logged out). It leaves screenshots of
// the page before and after the sign-out.
func TestBrowserDevices(t *testing.T) {
	needChromium(t)
	demo := startDemo(t, demoBinary(t), "-host", "127.0.0.1", "-port", "0", "-store", "memory:")
	base := strings.TrimSuffix(demo.url, "/")
	b := newBrowser(t, demo.output)

	b.step("open the login form", chromedp.Navigate(base+"/login"), chromedp.WaitVisible("#name", chromedp.ByQuery))
	b.step("type a name", chromedp.SendKeys("#name", "ada", chromedp.ByQuery))
	b.click("log in", "#login")
	b.step("welcome", waitText("Welcome! ada"))
	b.step("home", chromedp.Navigate(base+"/"), waitText("Hello, ada!"))
	b.click("open the devices page", "#devices")
	var n int
	b.step("this device listed", waitText("this device"),
		chromedp.Evaluate(`document.querySelectorAll("li.device").length`, &n))
	if n != 1 {
		b.failed("this device listed", fmt.Errorf("%d devices listed, want 1", n))
	}

	phone := newClient(t, base)
	phone.agent = "Phone (a plain Go HTTP client of the test)"
	phone.post("/login", url.Values{"name": {"ada"}}).expect(t, http.StatusOK, "Welcome! ada")

	var current bool
	b.step("reload with the second session", chromedp.Reload(), waitText(phone.agent),
		chromedp.Evaluate(`document.querySelectorAll("li.device").length`, &n),
		chromedp.Evaluate(`document.querySelector("li.device.current") !== null && document.querySelector("li.device.current").innerText.includes("this device")`, &current))
	if n != 2 || !current {
		b.failed("reload with the second session", fmt.Errorf("%d devices listed (want 2), current marked: %t", n, current))
	}
	t.Logf("screenshot of /devices with two sessions: %s", b.screenshot("demo-devices.png"))

	b.click("sign the other session out", "li.device:not(.current) button")
	var text string
	b.step("signed out", waitText("The session was signed out."),
		chromedp.Evaluate(`document.querySelectorAll("li.device").length`, &n),
		chromedp.Text("body", &text, chromedp.ByQuery))
	if n != 1 || strings.Contains(text, phone.agent) || !strings.Contains(text, "this device") {
		b.failed("signed out", fmt.Errorf("after the sign-out %d devices listed; page:\n%s", n, text))
	}
	t.Logf("screenshot of /devices after signing the other session out: %s", b.screenshot("demo-devices-revoked.png"))
	phone.get("/").expect(t, http.StatusOK, "Not logged in.")
	b.step("still logged in here", chromedp.Navigate(base+"/"), waitText("Hello, ada!"))
	demo.stop()
}
