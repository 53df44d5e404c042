package tput

import (
	"net/http"

	"github.com/session2/session2/bench/internal/loadgen"
)

// Measure builds lib on store, serves it in this process on a loopback
// port and drives it with cfg: one point of the shared mode, where the load
// generator and the server share the machine's CPUs.
func Measure(store, lib string, cfg loadgen.Config) (Row, error) {
	h, cleanup, err := Build(store, lib)
	if err != nil {
		return Row{}, err
	}
	defer cleanup()
	r, err := Drive(h, cfg)
	if err != nil {
		return Row{}, err
	}
	return row(store, lib, cfg, r), nil
}

// Drive serves h on a loopback port and drives it with cfg, with the
// contenders' cookie name when cfg names none.
func Drive(h http.Handler, cfg loadgen.Config) (loadgen.Result, error) {
	url, stop, err := loadgen.Serve(h)
	if err != nil {
		return loadgen.Result{}, err
	}
	defer stop()
	return loadgen.Drive(url, withCookie(cfg))
}

func withCookie(cfg loadgen.Config) loadgen.Config {
	if cfg.CookieName == "" {
		cfg.CookieName = CookieName
	}
	return cfg
}

func row(store, lib string, cfg loadgen.Config, r loadgen.Result) Row {
	return Row{Store: store, Lib: lib, Clients: cfg.Clients, RPS: r.RPS, P50: r.P50, P99: r.P99}
}
