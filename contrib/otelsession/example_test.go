package otelsession_test

import (
	"log"
	"net/http"

	"github.com/session2/session2/contrib/otelsession"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/memstore"
)

// An application wraps its store and hooks the events; with an
// OpenTelemetry SDK installed as the global providers (otel.SetTracerProvider,
// otel.SetMeterProvider), every store call becomes a span and the metrics
// are recorded.
func Example() {
	var store session.Store = memstore.New()
	defer store.Close()

	store = otelsession.WrapStore(store)
	mgr, err := session.New[session.Map](store,
		session.WithEventHook(otelsession.EventHook()))
	if err != nil {
		log.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		mgr.Get(r).Data().Set("seen", true)
	})
	_ = http.Handler(mgr.Handler(mux)) // serve it with http.ListenAndServe
}
