// Package metrics gives operators Lotse's metrics in the Prometheus text
// format and a health check. It is the one package that imports
// github.com/prometheus/client_golang: the bot reports through the small
// [bot.Observer] interface, which [Metrics] implements.
//
// Metrics live in their own registry (not the global one), together with
// the Go runtime and process collectors. The hot-path methods use counters
// resolved once at start, so counting an update allocates nothing.
package metrics

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"lotse/bot"
	"lotse/flows"
)

// updateKinds are the kinds of events counted in lotse_updates_total;
// they are reported as zero before the first one happens.
var updateKinds = []string{"text", "command", "button", "unsupported", "blocked", "reminder"}

// errorKinds are the kinds counted in lotse_errors_total.
var errorKinds = []string{bot.ErrorNetwork, bot.ErrorTelegram4xx, bot.ErrorTelegram5xx, bot.ErrorBlocked, bot.ErrorStore}

// Metrics collects Lotse's metrics. It is a [bot.Observer]; create it
// with [New]. It is safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	updates       *prometheus.CounterVec
	updateKind    map[string]prometheus.Counter // read-only after New
	updateTime    prometheus.Histogram
	replyTime     prometheus.Histogram
	errs          *prometheus.CounterVec
	errKind       map[string]prometheus.Counter // read-only after New
	tooMany       prometheus.Counter
	sent          prometheus.Counter
	remindersDue  prometheus.Counter
	remindersSent prometheus.Counter

	outbox      atomic.Pointer[func() int]
	sessions    atomic.Int64
	addSessions sync.Once
}

var _ bot.Observer = (*Metrics)(nil)

// New returns the metrics, registered in a registry of their own with the
// Go runtime and process collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.updates = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "lotse_updates_total",
		Help: "Events handled and committed, by kind (text, command, button, unsupported, blocked, reminder).",
	}, []string{"kind"})
	m.updateTime = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "lotse_update_duration_seconds",
		Help:    "Time from receiving an event to its commit (queueing, handling, the database write).",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	})
	m.replyTime = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "lotse_reply_latency_seconds",
		Help:    "Time from receiving an update to Telegram accepting its first reply (includes rate-limit waits).",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
	})
	m.errs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "lotse_errors_total",
		Help: "Failures by kind: network, telegram_4xx, telegram_5xx, blocked (403), store.",
	}, []string{"kind"})
	m.tooMany = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "lotse_telegram_429_total",
		Help: "Bot API calls Telegram answered with 429 Too Many Requests.",
	})
	m.sent = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "lotse_messages_sent_total",
		Help: "Replies Telegram accepted (new messages and edits).",
	})
	m.remindersDue = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "lotse_reminders_due_total",
		Help: "Due reminders handed to the engine by the reminder passes.",
	})
	m.remindersSent = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "lotse_reminders_sent_total",
		Help: "Due reminders that produced a message (the others were put off by quiet hours, dropped as too late, or belonged to blocked chats).",
	})
	outbox := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "lotse_outbox_depth",
		Help: "Replies committed but not yet delivered to Telegram (queued or in flight).",
	}, func() float64 {
		if f := m.outbox.Load(); f != nil {
			return float64((*f)())
		}
		return 0
	})
	m.reg.MustRegister(m.updates, m.updateTime, m.replyTime, m.errs, m.tooMany, m.sent,
		m.remindersDue, m.remindersSent, outbox,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.updateKind = make(map[string]prometheus.Counter, len(updateKinds))
	for _, k := range updateKinds {
		m.updateKind[k] = m.updates.WithLabelValues(k)
	}
	m.errKind = make(map[string]prometheus.Counter, len(errorKinds))
	for _, k := range errorKinds {
		m.errKind[k] = m.errs.WithLabelValues(k)
	}
	return m
}

// Registry returns the registry the metrics are in, to add more.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// UpdateHandled counts an event of the given kind committed d after it
// was received.
func (m *Metrics) UpdateHandled(kind string, d time.Duration) {
	c, ok := m.updateKind[kind]
	if !ok {
		c = m.updates.WithLabelValues(kind)
	}
	c.Inc()
	m.updateTime.Observe(d.Seconds())
}

// Sent counts a reply Telegram accepted.
func (m *Metrics) Sent() { m.sent.Inc() }

// Replied records the time from an update to its first reply's delivery.
func (m *Metrics) Replied(d time.Duration) { m.replyTime.Observe(d.Seconds()) }

// TooMany counts a 429 from Telegram.
func (m *Metrics) TooMany() { m.tooMany.Inc() }

// Error counts a failure of the given kind.
func (m *Metrics) Error(kind string) {
	c, ok := m.errKind[kind]
	if !ok {
		c = m.errs.WithLabelValues(kind)
	}
	c.Inc()
}

// RemindersDue counts n reminders a reminder pass handed to the engine.
func (m *Metrics) RemindersDue(n int) {
	if n > 0 {
		m.remindersDue.Add(float64(n))
	}
}

// CountReminders wraps h so that every due reminder that produced a
// message counts in lotse_reminders_sent_total.
func (m *Metrics) CountReminders(h flows.Handler) flows.Handler {
	return reminderCounter{h: h, m: m}
}

type reminderCounter struct {
	h flows.Handler
	m *Metrics
}

// Handle passes ev on and counts it if it was a reminder that said
// something.
func (c reminderCounter) Handle(ctx context.Context, ev flows.Event) (flows.Result, error) {
	res, err := c.h.Handle(ctx, ev)
	if err == nil && ev.Kind == flows.KindReminder && len(res.Replies) > 0 {
		c.m.remindersSent.Inc()
	}
	return res, err
}

// SetOutbox makes lotse_outbox_depth report depth(), read at each scrape
// (the bot's own counter: [bot.Bot.Pending]).
func (m *Metrics) SetOutbox(depth func() int) { m.outbox.Store(&depth) }

// TrackSessions counts the stored sessions with count at once and then
// every interval until ctx ends, for the lotse_sessions gauge, which
// appears after the first successful count. A scrape never waits for a
// count. It blocks: run it in its own goroutine.
func (m *Metrics) TrackSessions(ctx context.Context, count func(context.Context) (int, error), every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := count(ctx); err == nil {
			m.sessions.Store(int64(n))
			m.addSessions.Do(func() {
				m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
					Name: "lotse_sessions",
					Help: "Stored sessions (chats Lotse remembers), counted in the background every minute or so.",
				}, func() float64 { return float64(m.sessions.Load()) }))
			})
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
