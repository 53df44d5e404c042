package main

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/sqlstore/sqlstoretest"
)

// TestDefaultTimeout runs ls, without -timeout, on a PostgreSQL store
// whose server stops answering once the store is open (a proxy that holds
// every byte): the command must give up after the default timeout, exit
// with status 1 and say which flag to change, rather than hang.
func TestDefaultTimeout(t *testing.T) {
	fx := sqlFixture(t, "SESSION2_POSTGRES_DSN", "postgres")
	u, err := url.Parse(fx.url)
	if err != nil {
		t.Fatal(err)
	}
	target := u.Host
	if u.Port() == "" {
		target += ":5432"
	}
	p := sqlstoretest.NewProxy(t, target, nil)
	defer p.Resume() // before the proxy closes, so that the store's handle lets go
	u.Host = p.Addr()

	old := defaultTimeout
	defaultTimeout = 300 * time.Millisecond
	defer func() { defaultTimeout = old }()
	a := testApp()
	a.openStore = func(ctx context.Context, raw string) (session.Store, error) {
		s, err := session.OpenStore(ctx, raw)
		p.Hang() // the server hangs from now on
		return s, err
	}
	done := make(chan result, 1)
	go func() { done <- runApp(t, a, "-store", u.String(), "ls") }()
	select {
	case r := <-done:
		wantCode(t, r, exitFailure)
		oneErrorLine(t, r.stderr, "gave up after 300ms (pass a longer -timeout, or -timeout 0 for no limit)", "deadline exceeded")
	case <-time.After(30 * time.Second):
		t.Fatal("ls on a hung server, without -timeout, has not returned after 30s, with a default timeout of 300ms")
	}
}
