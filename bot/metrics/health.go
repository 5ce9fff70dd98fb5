package metrics

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Check is one part of the health check.
type Check struct {
	// Name names the part in the answer, e.g. "store".
	Name string
	// Func returns nil when the part is healthy. Its context ends after
	// Timeout.
	Func func(ctx context.Context) error
	// Timeout bounds the check; zero means 2s.
	Timeout time.Duration
}

// Health answers GET /healthz: 200 "ok" when every check passes within
// its timeout, else 503 with one line per failing check ("store: …").
// The checks run one after another; each must be cheap.
func Health(checks ...Check) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		var failed []string
		for _, c := range checks {
			timeout := c.Timeout
			if timeout <= 0 {
				timeout = 2 * time.Second
			}
			ctx, cancel := context.WithTimeout(r.Context(), timeout)
			err := c.Func(ctx)
			cancel()
			if err != nil {
				failed = append(failed, fmt.Sprintf("%s: %v", c.Name, err))
			}
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if len(failed) > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, strings.Join(failed, "\n"))
			return
		}
		fmt.Fprintln(w, "ok")
	})
}

// Mux serves the metrics at /metrics and the health check at /healthz;
// every other path is 404.
func Mux(m *Metrics, health http.Handler) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	mux.Handle("/healthz", health)
	return mux
}
