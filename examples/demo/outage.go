package main

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/session2/session2/core/session"
)

// How the demo opens a store that does not answer at startup.
const (
	openTimeout = session.DefaultLoadTimeout // one attempt to open and set up the store
	openRetry   = time.Second                // the pause between attempts
)

// openStore opens and sets up the store at rawURL, the attempt bounded by
// openTimeout. When the store's database cannot be reached (it refuses,
// or does not answer in time), openStore returns an error saying so,
// and the demo exits; with wait (-wait-for-store) the demo still starts:
// openStore returns a lateStore that fails every call, which the pages
// report, and keeps trying in the background until the store answers.
// Any other error (a bad URL, a bad option) is returned.
func openStore(ctx context.Context, rawURL string, wait bool, log *slog.Logger) (session.Store, error) {
	store, err := openOnce(ctx, rawURL)
	if err == nil {
		return store, nil
	}
	if !unreachable(err) {
		return nil, err
	}
	if !wait {
		return nil, fmt.Errorf("the session store does not answer (start its server, check -store, or pass -wait-for-store to serve anyway and keep trying): %w", err)
	}
	log.Warn("the session store is unreachable: serving anyway, and retrying", "store", redactURL(rawURL), "err", err)
	l := &lateStore{url: rawURL, log: log, err: err, done: make(chan struct{})}
	rctx, cancel := context.WithCancel(ctx)
	l.stop = cancel
	go l.retry(rctx)
	return l, nil
}

// openOnce opens and sets up the store, giving up after openTimeout.
func openOnce(ctx context.Context, rawURL string) (session.Store, error) {
	ctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	store, err := session.OpenStore(ctx, rawURL)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", redactURL(rawURL), err)
	}
	if err := store.Setup(ctx); err != nil {
		store.Close()
		return nil, fmt.Errorf("set up store %s: %w", redactURL(rawURL), err)
	}
	return store, nil
}

// unreachable reports whether err says the store's server could not be
// reached or did not answer, rather than that the store is misconfigured.
func unreachable(err error) bool {
	var nerr net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.As(err, &nerr)
}

// errUnreachable is the error of a lateStore's calls until the store
// answers.
var errUnreachable = errors.New("demo: the session store is unreachable")

// lateStore is a store that is not there yet: every call fails with
// errUnreachable until a background attempt opens and sets up the real
// store, to which it then hands every call.
type lateStore struct {
	url  string
	log  *slog.Logger
	stop context.CancelFunc
	done chan struct{} // closed when retry returns

	mu    sync.Mutex
	store session.Store // nil until open
	err   error         // the last attempt's error
}

func (l *lateStore) retry(ctx context.Context) {
	defer close(l.done)
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(openRetry):
		}
		store, err := openOnce(ctx, l.url)
		l.mu.Lock()
		if err == nil {
			l.store = store
			l.mu.Unlock()
			l.log.Info("the session store answers again", "store", redactURL(l.url))
			return
		}
		l.err = err
		l.mu.Unlock()
	}
}

// Unreachable describes why the store is not there yet, "" once it is.
func (l *lateStore) Unreachable() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.store != nil {
		return ""
	}
	return "The session store is unreachable; the demo keeps trying. Pages that need a session answer 503 until it answers."
}

// get returns the store, or the error to fail with.
func (l *lateStore) get() (session.Store, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.store == nil {
		return nil, fmt.Errorf("%w: %w", errUnreachable, l.err)
	}
	return l.store, nil
}

func (l *lateStore) Load(ctx context.Context, key string) (session.Record, error) {
	s, err := l.get()
	if err != nil {
		return session.Record{}, err
	}
	return s.Load(ctx, key)
}

func (l *lateStore) Save(ctx context.Context, key string, rec session.Record) error {
	s, err := l.get()
	if err != nil {
		return err
	}
	return s.Save(ctx, key, rec)
}

func (l *lateStore) Delete(ctx context.Context, key string) error {
	s, err := l.get()
	if err != nil {
		return err
	}
	return s.Delete(ctx, key)
}

func (l *lateStore) Touch(ctx context.Context, key string, accessed, expires time.Time) error {
	s, err := l.get()
	if err != nil {
		return err
	}
	return s.Touch(ctx, key, accessed, expires)
}

func (l *lateStore) Setup(ctx context.Context) error {
	s, err := l.get()
	if err != nil {
		return err
	}
	return s.Setup(ctx)
}

func (l *lateStore) List(ctx context.Context, f session.Filter) iter.Seq2[session.Entry, error] {
	s, err := l.get()
	if err != nil {
		return func(yield func(session.Entry, error) bool) { yield(session.Entry{}, err) }
	}
	return s.List(ctx, f)
}

func (l *lateStore) Prune(ctx context.Context, f session.Filter) (int, error) {
	s, err := l.get()
	if err != nil {
		return 0, err
	}
	return s.Prune(ctx, f)
}

// Capabilities are those of the store once open, none before.
func (l *lateStore) Capabilities() session.Capabilities {
	if s, err := l.get(); err == nil {
		return s.Capabilities()
	}
	return session.Capabilities{}
}

// Close stops the attempts and closes the store if one was opened.
func (l *lateStore) Close() error {
	l.stop()
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.store != nil {
		return l.store.Close()
	}
	return nil
}
