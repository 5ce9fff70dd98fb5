package bot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"lotse/flows"
)

// Observer is told what the bot does, for metrics. Its methods are called
// on the hot paths (every update, every Bot API call) from many goroutines:
// they must be cheap, must not block and must be safe for concurrent use.
// Set one in [Config.Observer]; the default does nothing.
type Observer interface {
	// UpdateHandled says an event of the given kind (a flows.Kind's name:
	// text, command, button, unsupported, blocked, reminder) was committed,
	// d after it was received.
	UpdateHandled(kind string, d time.Duration)
	// Sent says Telegram accepted a reply (a new message or an edit).
	Sent()
	// Replied says the first reply to an update was accepted, d after the
	// update was received.
	Replied(d time.Duration)
	// TooMany says Telegram answered a call with 429 Too Many Requests.
	TooMany()
	// Error says something failed; kind is one of the Error… constants.
	Error(kind string)
}

// Kinds of errors an [Observer] is told about.
const (
	// ErrorNetwork: a Bot API call got no HTTP answer (connection refused,
	// reset, timed out).
	ErrorNetwork = "network"
	// ErrorTelegram4xx: Telegram refused a call with a 4xx other than 403
	// and 429 (e.g. 400 "message is not modified", 401, 409).
	ErrorTelegram4xx = "telegram_4xx"
	// ErrorTelegram5xx: Telegram (or a proxy in front of it) failed with a
	// 5xx.
	ErrorTelegram5xx = "telegram_5xx"
	// ErrorBlocked: 403, the user blocked the bot.
	ErrorBlocked = "blocked"
	// ErrorStore: handling an update (its commit) or acknowledging a
	// delivered reply failed; counted per attempt.
	ErrorStore = "store"
)

// NopObserver is an [Observer] that does nothing.
type NopObserver struct{}

// UpdateHandled does nothing.
func (NopObserver) UpdateHandled(string, time.Duration) {}

// Sent does nothing.
func (NopObserver) Sent() {}

// Replied does nothing.
func (NopObserver) Replied(time.Duration) {}

// TooMany does nothing.
func (NopObserver) TooMany() {}

// Error does nothing.
func (NopObserver) Error(string) {}

// observe wraps the HTTP client so that every Bot API call is seen: its
// time of success (for [Bot.Reachable]) and its failures (for the
// Observer), whichever part of the bot made it.
func (b *Bot) observe(hc *http.Client) *http.Client {
	c := *hc
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = &observedTransport{base: base, b: b}
	return &c
}

// observedTransport classifies the answers of the Bot API by HTTP status,
// which Telegram sets to the error_code.
type observedTransport struct {
	base http.RoundTripper
	b    *Bot
}

// RoundTrip sends req and records its outcome.
func (t *observedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	switch {
	case err != nil:
		// A cancelled context is the bot stopping, not the network failing.
		if !errors.Is(req.Context().Err(), context.Canceled) {
			t.b.obs.Error(ErrorNetwork)
		}
	case resp.StatusCode == http.StatusOK:
		t.b.lastOK.Store(time.Now().UnixNano())
	case resp.StatusCode == http.StatusTooManyRequests:
		t.b.obs.TooMany()
	case resp.StatusCode == http.StatusForbidden:
		t.b.obs.Error(ErrorBlocked)
	case resp.StatusCode >= 500:
		t.b.obs.Error(ErrorTelegram5xx)
	case resp.StatusCode >= 400:
		t.b.obs.Error(ErrorTelegram4xx)
	}
	return resp, err
}

// CloseIdleConnections closes the idle connections of the wrapped
// transport, as http.Client.CloseIdleConnections expects.
func (t *observedTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// handled tells the observer that j was committed (or failed) and, for
// the reply latency, remembers when the update behind its first reply
// arrived.
func (b *Bot) handled(j job, res flows.Result, err error) {
	if b.times == nil || err != nil {
		return // no observer, or given up (counted as store errors)
	}
	if !j.received.IsZero() {
		b.obs.UpdateHandled(j.ev.Kind.String(), time.Since(j.received))
		if len(res.Replies) > 0 {
			b.times.add(res.Replies[0].ID, j.received)
		}
	}
}

// sent tells the observer that Telegram accepted r.
func (b *Bot) sent(r flows.Reply) {
	if b.times == nil {
		return
	}
	b.obs.Sent()
	if at, ok := b.times.take(r.ID); ok {
		b.obs.Replied(time.Since(at))
	}
}

// replyTimes remembers, per outbox ID of an update's first reply, when
// the update was received, until the reply is delivered.
type replyTimes struct {
	mu sync.Mutex
	m  map[uint64]time.Time
}

// maxReplyTimes bounds replyTimes: replies that are never accepted
// (refused, blocked, given up) leave entries behind; beyond this many, the
// old ones are forgotten.
const maxReplyTimes = 10000

func (t *replyTimes) add(id uint64, at time.Time) {
	if id == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[uint64]time.Time{}
	}
	if len(t.m) >= maxReplyTimes {
		old := time.Now().Add(-5 * time.Minute)
		for k, v := range t.m {
			if v.Before(old) {
				delete(t.m, k)
			}
		}
		if len(t.m) >= maxReplyTimes {
			clear(t.m) // a backlog this large: latency is lost, memory is not
		}
	}
	t.m[id] = at
}

func (t *replyTimes) take(id uint64) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	at, ok := t.m[id]
	if ok {
		delete(t.m, id)
	}
	return at, ok
}

// LastContact returns when a Bot API call last succeeded (any call: the
// long poll, a send, getMe), or the zero time if none did yet.
func (b *Bot) LastContact() time.Time {
	ns := b.lastOK.Load()
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}

// pingCache is how long the outcome of a getMe made by Reachable is
// reused, so a health probe every second does not call Telegram every
// second.
const pingCache = 5 * time.Second

// Reachable reports whether Telegram answers: nil if a Bot API call
// succeeded within the last fresh, else the outcome of a getMe (one try,
// reused for a few seconds). It is meant for health checks.
func (b *Bot) Reachable(ctx context.Context, fresh time.Duration) error {
	if last := b.LastContact(); !last.IsZero() && time.Since(last) < fresh {
		return nil
	}
	b.pingMu.Lock()
	defer b.pingMu.Unlock()
	if !b.pingAt.IsZero() && time.Since(b.pingAt) < pingCache {
		return b.pingErr
	}
	_, err := b.api(ctx, sendTimeout).GetMe()
	if err != nil {
		err = fmt.Errorf("telegram unreachable: getMe: %w", err)
	}
	b.pingAt, b.pingErr = time.Now(), err
	return err
}

// Pending returns how many replies of this run wait for delivery or are
// being sent (zero while Run is not running). It reads a counter, no
// database.
func (b *Bot) Pending() int {
	if snd := b.snd.Load(); snd != nil {
		return snd.Pending()
	}
	return 0
}
