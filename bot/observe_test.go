package bot_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"lotse/bot"
	"lotse/bot/telegramtest"
)

// recorder is an Observer that remembers what it was told.
type recorder struct {
	mu      sync.Mutex
	updates map[string]int
	errors  map[string]int
	sent    int
	replied []time.Duration
	tooMany int
	slowest time.Duration // of the updates
}

func newRecorder() *recorder {
	return &recorder{updates: map[string]int{}, errors: map[string]int{}}
}

func (r *recorder) UpdateHandled(kind string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.updates[kind]++
	r.slowest = max(r.slowest, d)
}

func (r *recorder) Sent() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent++
}

func (r *recorder) Replied(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.replied = append(r.replied, d)
}

func (r *recorder) TooMany() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tooMany++
}

func (r *recorder) Error(kind string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors[kind]++
}

// TestObserver runs the real bot with an Observer through a 429 on a send,
// a 502 and a dropped connection on the long poll, and a blocked user, and
// checks what it was told.
func TestObserver(t *testing.T) {
	srv := newServer(t)
	rec := newRecorder()
	h := start(t, srv, filepath.Join(t.TempDir(), "lotse.db"), bot.Config{GlobalRate: rate.Inf, ChatRate: rate.Inf, Observer: rec})
	srv.FailNext("sendMessage", telegramtest.TooManyRequests(1))
	srv.FailNext("getUpdates", telegramtest.BadGateway(), telegramtest.DropConnection())
	h.settle(srv.SendText(9001, user(9001, "en"), "/start")) // 2 replies, after a 429
	h.settle(h.press(9001, "l:en"))                          // an edit and a new message
	srv.Block(9002)
	h.settle(srv.SendText(9002, user(9002, "en"), "/start"))
	h.settle(srv.SendSticker(9003, user(9003, "en"), "🙂"))
	if !srv.WaitFor(5*time.Second, func() bool {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		return rec.updates["blocked"] == 1
	}) {
		t.Fatal("the blocked chat's event was not handled")
	}

	rec.mu.Lock()
	defer rec.mu.Unlock()
	accepted := 0
	for _, c := range srv.Calls() {
		if c.Code == 200 && (c.Method == "sendMessage" || strings.HasPrefix(c.Method, "editMessage")) {
			accepted++
		}
	}
	tests := []struct {
		what      string
		got, want int
	}{
		{"command updates", rec.updates["command"], 2},
		{"button updates", rec.updates["button"], 1},
		{"unsupported updates", rec.updates["unsupported"], 1},
		{"blocked events", rec.updates["blocked"], 1},
		{"429s", rec.tooMany, 1},
		{"5xx errors", rec.errors[bot.ErrorTelegram5xx], 1},
		{"network errors", rec.errors[bot.ErrorNetwork], 1},
		{"blocked errors", rec.errors[bot.ErrorBlocked], 1},
		{"store errors", rec.errors[bot.ErrorStore], 0},
		{"sent", rec.sent, accepted},
		{"first replies delivered", len(rec.replied), 3}, // /start, l:en, the sticker
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %d, want %d", tt.what, tt.got, tt.want)
		}
	}
	if rec.replied[0] < time.Second {
		t.Errorf("the first reply, held back by a 429 with retry_after 1s, took %v", rec.replied[0])
	}
	if rec.slowest <= 0 {
		t.Errorf("update durations not measured")
	}
}

// TestReachable: a recent successful call means reachable without asking
// Telegram; otherwise one getMe decides, and its answer is reused for a
// few seconds.
func TestReachable(t *testing.T) {
	srv := newServer(t)
	b, err := bot.New(context.Background(), bot.Config{Token: token, Endpoint: srv.Endpoint(), Handler: nopHandler{}, Outbox: nopOutbox{}})
	if err != nil {
		t.Fatal(err)
	}
	if last := b.LastContact(); time.Since(last) > time.Minute {
		t.Fatalf("LastContact %v after New's getMe", last)
	}
	calls := srv.CallCount("getMe")
	if err := b.Reachable(t.Context(), time.Minute); err != nil || srv.CallCount("getMe") != calls {
		t.Errorf("Reachable right after getMe: %v, %d more getMe calls; want nil and none", err, srv.CallCount("getMe")-calls)
	}
	srv.FailNext("getMe", telegramtest.BadGateway())
	err = b.Reachable(t.Context(), 0) // nothing is recent enough: ask
	if err == nil || !strings.Contains(err.Error(), "getMe") || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("Reachable with getMe failing: %v, want a getMe error without the token", err)
	}
	calls = srv.CallCount("getMe")
	if err2 := b.Reachable(t.Context(), 0); err2 == nil || srv.CallCount("getMe") != calls {
		t.Errorf("Reachable again at once: %v after %d getMe calls; want the cached failure and none", err2, srv.CallCount("getMe")-calls)
	}

	b2, err := bot.New(context.Background(), bot.Config{Token: token, Endpoint: srv.Endpoint(), Handler: nopHandler{}, Outbox: nopOutbox{}})
	if err != nil {
		t.Fatal(err)
	}
	calls = srv.CallCount("getMe")
	if err := b2.Reachable(t.Context(), 0); err != nil || srv.CallCount("getMe") != calls+1 {
		t.Errorf("Reachable with Telegram answering: %v after %d getMe calls; want nil after one", err, srv.CallCount("getMe")-calls)
	}
}
