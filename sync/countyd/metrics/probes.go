package metrics

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/yichuang/yichuang/sync/countyd/county"
)

// readyTimeout bounds a readiness check: a probe that hangs on a stuck
// database is as bad as a failed one, and the load balancer's own timeout
// is usually a few seconds.
const readyTimeout = 2 * time.Second

// Healthz answers 200 while the process serves HTTP at all: a liveness
// probe, which restarts a process only when restarting can help.
func Healthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Write([]byte("ok\n"))
	})
}

// Ready is what /readyz checks (county.Vitals has it).
type Ready interface {
	Ready(ctx context.Context) error
}

// Readyz answers 200 when the database answers and its schema is current,
// else 503 with a short reason, so a load balancer sends kiosks only to
// an instance that can apply their pushes. The reason names what is wrong
// (unreachable, a migration missing) but not the driver's error text,
// which may name hosts; that goes to the log.
func Readyz(st Ready, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if err := st.Ready(ctx); err != nil {
			log.WarnContext(r.Context(), "not ready", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("not ready: " + reason(err) + "\n"))
			return
		}
		w.Write([]byte("ready\n"))
	})
}

// reason is the answer's text for a failed check.
func reason(err error) string {
	switch {
	case errors.Is(err, county.ErrSchemaBehind):
		return err.Error() // our own text: which migration is missing
	case errors.Is(err, county.ErrReadOnly):
		return county.ErrReadOnly.Error()
	case errors.Is(err, county.ErrUnreachable):
		return "database unreachable"
	}
	return "database check failed"
}
