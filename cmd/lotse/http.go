package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"lotse/bot"
	"lotse/bot/metrics"
	"lotse/flows"
	"lotse/store"
)

// telegramFresh is how recent the bot's last successful Bot API call must
// be for /healthz to call Telegram reachable without asking it (getMe).
// The long poll returns at least every 50 seconds.
const telegramFresh = 2 * time.Minute

// ops is the operators' HTTP listener (LOTSE_HTTP): /metrics and /healthz.
// A nil *ops is off; its methods then do nothing.
type ops struct {
	metrics *metrics.Metrics
	bot     atomic.Pointer[bot.Bot] // set once Telegram answered
	srv     *http.Server
	log     *slog.Logger
	stopped chan struct{} // closed when the server and the session count ended
	cancel  context.CancelFunc
}

// startOps listens on addr and serves /metrics and /healthz until ctx ends
// or stop is called. The health check asks the store and, when telegram is
// true, whether Telegram answers.
func startOps(ctx context.Context, addr string, db *store.DB, telegram bool, log *slog.Logger) (*ops, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("LOTSE_HTTP %s: %w", addr, err)
	}
	o := &ops{metrics: metrics.New(), log: log, stopped: make(chan struct{})}
	checks := []metrics.Check{{Name: "store", Func: db.Ping, Timeout: time.Second}}
	if telegram {
		checks = append(checks, metrics.Check{Name: "telegram", Func: o.telegramReachable, Timeout: 5 * time.Second})
	}
	o.srv = &http.Server{
		Handler:           metrics.Mux(o.metrics, metrics.Health(checks...)),
		ReadHeaderTimeout: 5 * time.Second,
		WriteTimeout:      30 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ctx, o.cancel = context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := o.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("operator HTTP server failed", "err", err)
		}
	})
	wg.Go(func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := o.srv.Shutdown(sctx); err != nil {
			log.Warn("operator HTTP server did not shut down cleanly", "err", err)
		}
	})
	wg.Go(func() { o.metrics.TrackSessions(ctx, db.SessionCount, time.Minute) })
	go func() { wg.Wait(); close(o.stopped) }()
	log.Info("operator HTTP listening: /metrics, /healthz", "addr", ln.Addr().String())
	return o, nil
}

// telegramReachable is the health check's Telegram part.
func (o *ops) telegramReachable(ctx context.Context) error {
	b := o.bot.Load()
	if b == nil {
		return errors.New("not connected yet")
	}
	return b.Reachable(ctx, telegramFresh)
}

// stop shuts the listener down gracefully and waits for it.
func (o *ops) stop() {
	if o == nil {
		return
	}
	o.cancel()
	<-o.stopped
}

// observer is what the bot reports to: the metrics, or nil when off.
func (o *ops) observer() bot.Observer {
	if o == nil {
		return nil
	}
	return o.metrics
}

// setBot lets /healthz and lotse_outbox_depth see the running bot.
func (o *ops) setBot(b *bot.Bot) {
	if o == nil {
		return
	}
	o.metrics.SetOutbox(b.Pending)
	o.bot.Store(b)
}

// handler wraps the engine to count the reminders it sends.
func (o *ops) handler(h flows.Handler) flows.Handler {
	if o == nil {
		return h
	}
	return o.metrics.CountReminders(h)
}

// remindersDue counts the reminders a pass handed to the engine.
func (o *ops) remindersDue(n int) {
	if o != nil {
		o.metrics.RemindersDue(n)
	}
}
