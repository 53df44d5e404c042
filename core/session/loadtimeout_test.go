package session_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// hangingLoads makes the store's Loads hang until their context is done,
// and reports each context's error on errs.
func hangingLoads(st *sessiontest.Wrapper, errs chan error) {
	st.Before(sessiontest.Load, func(ctx context.Context, key string, rec session.Record, err error) error {
		err = sessiontest.Hang(ctx, key, rec, err)
		select {
		case errs <- err:
		default:
		}
		return err
	})
}

// A store that accepts a Load and never answers holds the request no
// longer than the load timeout: the error handler answers (503), and the
// Load's context ended by its deadline.
func TestLoadTimeoutErrorHandler(t *testing.T) {
	st := newWrapped()
	_, h := newAppOn(t, st, loginRoutes(), session.WithLoadTimeout(50*time.Millisecond))
	_, tok := do(h, "/login?u=ann", "")
	errs := make(chan error, 1)
	hangingLoads(st, errs)
	done := make(chan int, 1)
	go func() { rec, _ := do(h, "/user", tok); done <- rec.Code }()
	select {
	case code := <-done:
		if code != http.StatusServiceUnavailable {
			t.Errorf("status %d while the store hangs, want 503", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a request whose Load hangs got no answer")
	}
	if err := <-errs; !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the hanging Load ended with %v, want its deadline", err)
	}
}

// Under OutageAnonymous, a Load that times out gives an anonymous session
// and nothing is written.
func TestLoadTimeoutAnonymous(t *testing.T) {
	st := newWrapped()
	_, h := newAppOn(t, st, loginRoutes(), session.WithLoadTimeout(50*time.Millisecond), session.WithOutagePolicy(session.OutageAnonymous))
	_, tok := do(h, "/login?u=ann", "")
	hangingLoads(st, make(chan error, 1))
	writes := st.Writes()
	type result struct {
		code      int
		body, tok string
	}
	done := make(chan result, 1)
	go func() {
		rec, nt := do(h, "/set?k=a&v=1", tok) // a write, served anonymously
		done <- result{rec.Code, rec.Body.String(), nt}
	}()
	select {
	case r := <-done:
		if r.code != http.StatusOK || r.tok != "" {
			t.Errorf("status %d, cookie %q: want 200 and no cookie", r.code, r.tok)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a request whose Load hangs got no answer")
	}
	if n := st.Writes() - writes; n != 0 {
		t.Errorf("the anonymous request made %d store writes", n)
	}
	st.Before(sessiontest.Load, nil)
	if rec, _ := do(h, "/user", tok); rec.Body.String() != "ann" {
		t.Errorf("after the store answered again: user %q, want ann", rec.Body.String())
	}
}

// A request without a session cookie never touches the store, even one
// that hangs.
func TestNoCookieNoStore(t *testing.T) {
	st := newWrapped()
	_, h := newAppOn(t, st, loginRoutes(), session.WithLoadTimeout(time.Hour))
	hangingLoads(st, make(chan error, 1))
	if rec, _ := do(h, "/user", ""); rec.Code != http.StatusOK {
		t.Errorf("status %d", rec.Code)
	}
	if n := st.Calls(); n != 0 {
		t.Errorf("%d store calls for a request without a cookie", n)
	}
}

// WithLoadTimeout takes positive durations only.
func TestLoadTimeoutValidated(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Second} {
		if _, err := session.New[session.Map](sessiontest.NewStore(), session.WithLoadTimeout(d)); !errors.Is(err, session.ErrInvalidConfig) {
			t.Errorf("WithLoadTimeout(%v): err = %v, want ErrInvalidConfig", d, err)
		}
	}
	if session.DefaultLoadTimeout != 3*time.Second {
		t.Errorf("DefaultLoadTimeout = %v", session.DefaultLoadTimeout)
	}
}

// The request's cancellation reaches a Load that waits on its context,
// long before the load timeout; the commit's writes, which outlive it, do
// not see it.
func TestLoadEndsWithRequest(t *testing.T) {
	st := newWrapped()
	_, h := newAppOn(t, st, loginRoutes(), session.WithLoadTimeout(time.Hour))
	_, tok := do(h, "/login?u=ann", "")
	started, errs := make(chan struct{}, 1), make(chan error, 1)
	st.Before(sessiontest.Load, func(ctx context.Context, key string, rec session.Record, err error) error {
		started <- struct{}{}
		err = sessiontest.Hang(ctx, key, rec, err)
		errs <- err
		return err
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.ServeHTTP(httptest.NewRecorder(), reqWith("/user", tok).WithContext(ctx))
	}()
	<-started
	cancel()
	select {
	case err := <-errs:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("the Load ended with %v, want the request's Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the request's cancellation did not reach the Load")
	}
	<-done

	st.Before(sessiontest.Load, nil)
	var saveErr error
	st.Before(sessiontest.Save, func(ctx context.Context, _ string, _ session.Record, _ error) error {
		<-ctx.Done() // held until the commit ends it; the request is gone
		saveErr = ctx.Err()
		return nil
	})
	ctx, cancel = context.WithCancel(context.Background())
	rt := routes{"/cancel": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
		s.Data().Set("k", "v")
		cancel()
	}}
	_, h = newAppOn(t, st, rt, session.WithCommitTimeout(20*time.Millisecond))
	h.ServeHTTP(httptest.NewRecorder(), reqWith("/cancel", tok).WithContext(ctx))
	if !errors.Is(saveErr, context.DeadlineExceeded) {
		t.Errorf("the commit's Save ended with %v, want its own deadline, not the request's cancellation", saveErr)
	}
}
