package loadgen

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// app is a stand-in for the throughput application: /prime sets the
// session cookie, /read and /write check it; failWrites makes /write a 500.
type app struct {
	reads, writes atomic.Int64
	failWrites    bool
}

func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/prime" {
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: "v" + r.RemoteAddr})
		w.Write([]byte("ok"))
		return
	}
	if ck, err := r.Cookie("sid"); err != nil || ck.Value == "" {
		http.Error(w, "no session", http.StatusBadRequest)
		return
	}
	switch r.URL.Path {
	case "/read":
		a.reads.Add(1)
	case "/write":
		a.writes.Add(1)
		if a.failWrites {
			http.Error(w, "broken", http.StatusInternalServerError)
			return
		}
	default:
		http.NotFound(w, r)
		return
	}
	w.Write([]byte("ok"))
}

// TestDrive runs both load generators against the stand-in: every request
// carries the session, both paths are hit, and the figures add up.
func TestDrive(t *testing.T) {
	for _, kind := range []string{Raw, NetHTTP} {
		t.Run(kind, func(t *testing.T) {
			a := &app{}
			url, stop, err := Serve(a)
			if err != nil {
				t.Fatal(err)
			}
			defer stop()
			r, err := Drive(url, Config{Client: kind, Clients: 3, Duration: 200 * time.Millisecond, CookieName: "sid"})
			if err != nil {
				t.Fatal(err)
			}
			if got := a.reads.Load() + a.writes.Load(); got != int64(r.Requests) || r.Requests < 20 {
				t.Errorf("%d requests reported, %d served", r.Requests, got)
			}
			if a.writes.Load() == 0 || a.reads.Load() < a.writes.Load() {
				t.Errorf("%d reads, %d writes: not the 90/10 mix", a.reads.Load(), a.writes.Load())
			}
			if r.RPS <= 0 || r.P50 <= 0 || r.P99 < r.P50 {
				t.Errorf("result %+v", r)
			}
		})
	}
}

// TestDriveFails checks that a failed request fails the run, and that a
// configuration that cannot run says why.
func TestDriveFails(t *testing.T) {
	url, stop, err := Serve(&app{failWrites: true})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Client: Raw, Clients: 2, Duration: time.Second, CookieName: "sid"}, "/write: status 500"},
		{Config{Client: NetHTTP, Clients: 1, Duration: time.Second, CookieName: "other"}, "set no other cookie"},
		{Config{Client: "curl", Clients: 1, Duration: time.Second, CookieName: "sid"}, `unknown client "curl"`},
		{Config{Client: Raw, Clients: 0, Duration: time.Second, CookieName: "sid"}, "nothing to drive"},
	} {
		if _, err := Drive(url, c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error saying %q", c.cfg, err, c.want)
		}
	}
}
