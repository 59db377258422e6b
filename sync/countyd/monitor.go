package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/metrics"
	"github.com/yichuang/yichuang/sync/httplog"
)

// Monitoring (docs/county-scale.md, "Monitoring"): /healthz and /readyz on
// the kiosks' listener, for the load balancer in front of the instances;
// /metrics (and the probes again) on a separate listener, loopback by
// default, because the series name every service point and the pools'
// state, which is nobody's business on the township network.

// monitoredStore is a store countyd can serve the kiosks from (API) and
// watch (metrics.Source).
type monitoredStore interface {
	county.API
	metrics.Source
}

// newLogger is the servers' log: JSON lines on stderr, each with its
// request's id (sync/httplog).
func newLogger() *slog.Logger { return httplog.NewJSON(os.Stderr, nil) }

// metricsFlag adds -metrics-listen.
func metricsFlag(fs *flag.FlagSet) *string {
	// Off unless asked for: two instances on one host (and the tests,
	// which start many) would fight over any fixed default port.
	// packaging/linux/countyd.default turns it on at 127.0.0.1:8701.
	return fs.String("metrics-listen", envOr("COUNTYD_METRICS_LISTEN", ""),
		"address of the monitoring listener (/metrics, /healthz, /readyz), e.g. 127.0.0.1:8701; keep it off the kiosks' network; empty: none; $COUNTYD_METRICS_LISTEN")
}

type monitor struct {
	st  monitoredStore
	m   *metrics.Metrics
	log *slog.Logger
}

func newMonitor(st monitoredStore, log *slog.Logger) *monitor {
	return &monitor{st: st, m: metrics.New(st, nil), log: log}
}

// store is st with its applies timed and counted: what the API gets.
func (mo *monitor) store() county.API { return mo.m.Store(mo.st) }

// probes adds the two probes to mux.
func (mo *monitor) probes(mux *http.ServeMux) {
	mux.Handle("GET /healthz", metrics.Healthz())
	mux.Handle("GET /readyz", metrics.Readyz(mo.st, mo.log))
}

// handler is the kiosks' listener: the probes, then app (the API and the
// back office), every request given an id and counted.
func (mo *monitor) handler(app http.Handler) http.Handler {
	mux := http.NewServeMux()
	mo.probes(mux)
	mux.Handle("/", app)
	return httplog.Track(mux, mo.m)
}

// serve runs the monitoring listener on addr until ctx ends; the returned
// wait blocks until it has shut down. "off" or "" serves nothing.
func (mo *monitor) serve(ctx context.Context, addr string, out io.Writer) (wait func(), err error) {
	if addr == "" || addr == "off" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("monitoring listener: %w", err)
	}
	mux := http.NewServeMux()
	mo.probes(mux)
	mux.Handle("GET /metrics", mo.m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second,
		ErrorLog: slog.NewLogLogger(mo.log.Handler(), slog.LevelWarn)}
	// After the API's line, which tests and scripts read first.
	fmt.Fprintf(out, "countyd monitoring on http://%s/metrics\n", ln.Addr())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			mo.log.Error("monitoring listener", "err", err)
		}
	}()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	return func() { <-done }, nil
}
