package main

import "html/template"

// layoutData is what the layout template gets: the page's title and the
// page's own data.
type layoutData struct {
	Title string
	Data  any
	// StoreDown, when not empty, says that the session store is
	// unreachable (see lateStore).
	StoreDown string
	// Admin links the admin pages, served under -admin-local.
	Admin bool
}

// layoutHTML frames every page: plain HTML, a little inline CSS, and a link
// home. html/template escapes everything a visitor typed.
const layoutHTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · session2 demo</title>
<style>
body { font: 17px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; background: #f6f7f9; margin: 0; }
header { background: #24324a; color: #fff; padding: .7rem 1.2rem; display: flex; flex-wrap: wrap; gap: 1.2rem; align-items: baseline; }
header a { color: #dce6f7; text-decoration: none; }
header a:hover { text-decoration: underline; }
header .home { color: #fff; font-weight: 700; font-size: 1.1rem; margin-right: .8rem; }
main { max-width: 56rem; margin: 1.6rem auto; background: #fff; border: 1px solid #dde1e6; border-radius: 6px; padding: 1.2rem 1.6rem 1.6rem; }
h1 { font-size: 1.45rem; margin: .2rem 0 1rem; }
.big { font-size: 1.3rem; margin: .4rem 0; }
.hint { color: #59636e; font-size: .92rem; }
.error { color: #a4161a; font-weight: 600; }
.flash { background: #eaf5e4; border: 1px solid #b5d9a3; border-radius: 4px; padding: .45rem .8rem; margin: .4rem 0; }
form { margin: 1rem 0; display: flex; flex-wrap: wrap; gap: .6rem; align-items: center; }
input[type=text] { font: inherit; padding: .3rem .5rem; border: 1px solid #b8bfc7; border-radius: 4px; min-width: 14rem; }
button { font: inherit; padding: .3rem .9rem; border: 1px solid #24324a; border-radius: 4px; background: #2f4468; color: #fff; cursor: pointer; }
button.quiet { background: #fff; color: #24324a; }
div.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .93rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #e4e7eb; white-space: nowrap; }
th { background: #f0f2f5; }
tr.current td { background: #fff8db; }
ul.devices { list-style: none; padding: 0; margin: 1rem 0; }
li.device { border: 1px solid #dde1e6; border-radius: 6px; padding: .6rem .9rem; margin: .6rem 0; display: flex; flex-wrap: wrap; gap: .3rem 1rem; align-items: center; }
li.device.current { background: #fff8db; border-color: #e8d48a; }
li.device .agent { flex: 1 1 100%; font-weight: 600; word-break: break-word; }
li.device .facts { flex: 1 1 auto; color: #59636e; font-size: .92rem; display: flex; flex-wrap: wrap; gap: 0 1.2rem; }
li.device form { margin: 0; }
.this { font-size: .8rem; font-weight: 600; background: #24324a; color: #fff; border-radius: 3px; padding: .05rem .4rem; margin-left: .3rem; }
.flash.bad { background: #fbeaea; border-color: #e3a5a5; }
code { font: .9em ui-monospace, "SFMono-Regular", Menlo, monospace; background: #f0f2f5; padding: .05rem .25rem; border-radius: 3px; word-break: break-all; }
</style>
</head>
<body>
<header>
<a class="home" href="/">session2 demo</a>
<a href="/">Home</a>
<a href="/login">Log in</a>
{{if .Admin}}<a href="/sessions">Sessions</a>
{{end}}<a href="/flash">Flash</a>
<a href="/check">Check</a>
</header>
<main>
{{with .StoreDown}}<p class="error" id="store-down">{{.}}</p>
{{end}}{{template "body" .Data}}
</main>
</body>
</html>
`

// pageTemplate returns the layout with body as its "body" template.
func pageTemplate(body string) *template.Template {
	t := template.Must(template.New("layout").Parse(layoutHTML))
	return template.Must(t.New("body").Parse(body))
}

// The pages. The sentences scripts look for ("Not logged in.", "Hello,
// NAME!", "Counter: N", "Welcome! NAME", "Goodbye!", "Token created: T",
// "Deleted: N") each stand alone in one element, with nothing in between.
var (
	homeAnonTmpl = pageTemplate(`<h1>Home</h1>
<p class="big">Not logged in.</p>
<p><a href="/login">Log in</a> to start a session.</p>
<p class="hint">Nothing is stored and no cookie is set until a page puts something in the session.</p>
<p class="hint" id="demo-pages">/sessions and /delete_old, which show and delete every visitor's sessions, are admin pages for a demo on your own machine: served only with -admin-local, and only to a visitor who logged in.</p>`)

	homeUserTmpl = pageTemplate(`<h1>Home</h1>
<p class="big" id="hello">Hello, {{.User}}!</p>
<p class="big" id="counter">Counter: {{.Counter}}</p>
<p><a href="/counter" id="increment">Increment the counter</a></p>
<p><a href="/devices" id="devices">Your devices</a>: where you are signed in</p>
<form method="post" action="/logout">
{{with .CSRF}}<input type="hidden" name="csrf_token" value="{{.}}">{{end}}
<button type="submit" id="logout">Log out</button>
</form>
<p class="hint">The session survives a restart of the demo when its store is durable (file, bolt, PostgreSQL, MySQL).</p>
<p class="hint" id="demo-pages">/sessions and /delete_old, which show and delete every visitor's sessions, are admin pages for a demo on your own machine: served only with -admin-local, and only to a visitor who logged in.</p>`)

	loginTmpl = pageTemplate(`<h1>Log in</h1>
{{if .User}}<p>Currently logged in as {{.User}}.</p>{{end}}
<form method="post" action="/login">
{{with .CSRF}}<input type="hidden" name="csrf_token" value="{{.}}">{{end}}
<label for="name">Name</label>
<input type="text" name="name" id="name" maxlength="{{.MaxLen}}" required autofocus>
<label><input type="checkbox" name="remember" id="remember" value="on"> Remember me for 30 days</label>
<button type="submit" id="login">Log in</button>
</form>
<p class="hint">Any name will do: logging in renews the session token and sets the counter to 0. "Remember me" keeps you logged in for 30 days, through idle gaps longer than the idle timeout; without it the cookie ends with the browser (unless the demo runs with -persistent-cookie) and the session after the idle timeout.</p>`)

	welcomeTmpl = pageTemplate(`<h1>Logged in</h1>
<p class="big">Welcome! {{.}}</p>
<p><a href="/">Go home</a> or <a href="/counter">increment the counter</a>.</p>`)

	goodbyeTmpl = pageTemplate(`<h1>Logged out</h1>
{{range .}}<p class="flash">{{.Text}}</p>
{{end}}<p class="big">Goodbye!</p>
<p><a href="/">Home</a></p>`)

	logoutAllTmpl = pageTemplate(`<h1>Logged out everywhere</h1>
<p class="big">Deleted: {{.}}</p>
<p><a href="/">Home</a></p>`)

	counterTmpl = pageTemplate(`<h1>Counter</h1>
<p class="big" id="counter">Counter: {{.}}</p>
<p><a href="/counter">Again</a> · <a href="/">Home</a></p>`)

	tokenTmpl = pageTemplate(`<h1>Form token</h1>
<p>Token created: {{.}}</p>
<p class="hint">A single-use token, for one-shot actions: send it back once as the form field form_token; see <a href="/check_token">/check_token</a>. The demo's forms use the session's CSRF token instead, which stays valid in every tab.</p>`)

	setTmpl = pageTemplate(`<h1>Stored</h1>
<p>Set {{.Key}} = {{.Value}}</p>
<p><a href="/get?key={{.Key}}">Read it back</a> · <a href="/">Home</a></p>`)

	flashTmpl = pageTemplate(`<h1>Flash messages</h1>
{{range .Messages}}<p class="flash">Flash: {{.}}</p>
{{else}}<p>No flash messages.</p>
{{end}}<form method="post" action="/flash">
{{with .CSRF}}<input type="hidden" name="csrf_token" value="{{.}}">{{end}}
<label for="message">Message</label>
<input type="text" name="message" id="message" maxlength="{{.MaxLen}}" required>
<button type="submit" id="flash">Set</button>
</form>
<p class="hint">A flash message is shown once, on the next visit to this page.</p>
<p><a href="/">Home</a></p>`)

	flashSetTmpl = pageTemplate(`<h1>Flash set</h1>
<p>Flash set: {{.}}</p>
<p><a href="/flash">Show it</a> · <a href="/">Home</a></p>`)

	errorTmpl = pageTemplate(`<h1>{{.Status}}</h1>
<p class="error">{{.Message}}</p>
<p><a href="/">Home</a></p>`)
)
