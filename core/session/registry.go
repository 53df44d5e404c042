package session

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// OpenFunc opens a store from a URL whose scheme it was registered for.
type OpenFunc func(ctx context.Context, u *url.URL) (Store, error)

var (
	registryMu sync.RWMutex
	registry   = map[string]OpenFunc{}
)

// RegisterStore makes a store available to [OpenStore] under a URL scheme,
// as database/sql drivers register themselves. Store packages call it from
// an init function ("memory", "file", "bolt"); the SQL stores, which import
// no driver, offer a function that registers their scheme with the driver
// the application chose. Registering a scheme twice, or a nil function,
// panics: both are setup mistakes.
func RegisterStore(scheme string, open OpenFunc) {
	scheme = strings.ToLower(scheme)
	if open == nil {
		panic("session: RegisterStore of a nil OpenFunc for " + scheme)
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[scheme]; dup {
		panic("session: RegisterStore called twice for scheme " + scheme)
	}
	registry[scheme] = open
}

// StoreSchemes returns the registered URL schemes, sorted.
func StoreSchemes() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	s := make([]string, 0, len(registry))
	for k := range registry {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}

// OpenStore opens a store from a URL such as "memory:", "file:/var/lib/app",
// "bolt:app.db" or "postgres://user@host/db", through the function
// registered for its scheme. An unregistered scheme is an error wrapping
// [ErrUnknownScheme] that lists the registered ones; a ctx already done is
// its error, the store not opened.
func OpenStore(ctx context.Context, rawURL string) (Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("session: store URL: %w", err)
	}
	if u.Scheme == "" {
		return nil, fmt.Errorf("session: store URL %q has no scheme (registered: %s)", rawURL, strings.Join(StoreSchemes(), ", "))
	}
	registryMu.RLock()
	open := registry[u.Scheme]
	registryMu.RUnlock()
	if open == nil {
		return nil, fmt.Errorf("%w %q (registered: %s)", ErrUnknownScheme, u.Scheme, strings.Join(StoreSchemes(), ", "))
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("session: open store: %w", err)
	}
	return open(ctx, u)
}

// URLPath returns the path part of a store URL of the forms "scheme:path"
// and "scheme:///abs/path" or "scheme:/abs/path": the opaque part when there
// is one, else the path. Store packages use it for file-like URLs.
func URLPath(u *url.URL) string {
	if u.Opaque != "" {
		p, err := url.PathUnescape(u.Opaque)
		if err != nil {
			return u.Opaque
		}
		return p
	}
	if u.Host != "" {
		return u.Host + u.Path
	}
	return u.Path
}
