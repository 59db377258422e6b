package hallnet

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/yichuang/yichuang/sync/protocol"
)

type machineKey struct{}

// Machine is the paired machine a request came from (see Authorize).
func Machine(ctx context.Context) string {
	m, _ := ctx.Value(machineKey{}).(string)
	return m
}

// WithMachine returns ctx carrying a machine id, for handlers and tests.
func WithMachine(ctx context.Context, machine string) context.Context {
	return context.WithValue(ctx, machineKey{}, machine)
}

// Codes of refused hall requests.
const (
	CodeUnauthorized = "unauthorized" // no token, or one the hub does not know
	CodeRemoved      = "removed"      // the machine was taken out of the hall
	CodeUpgrade      = "upgrade"      // the machine speaks a newer hall protocol than the hub
)

// Authorize lets a request through only with a token the hub knows: check
// returns the machine's id, or a refusal code. The id goes into the
// request's context (Machine).
func Authorize(check func(ctx context.Context, token string) (machine, code string), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := Bearer(r)
		if tok == "" {
			Refuse(w, http.StatusUnauthorized, CodeUnauthorized, "a paired machine's token is required")
			return
		}
		m, code := check(r.Context(), tok)
		if code != "" {
			Refuse(w, http.StatusUnauthorized, code, "the hub does not serve this machine")
			return
		}
		next.ServeHTTP(w, r.WithContext(WithMachine(r.Context(), m)))
	})
}

// Refuse writes a refusal.
func Refuse(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(protocol.HallError{Code: code, Message: message})
}
