package bot_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"lotse/bot"
	"lotse/bot/telegramtest"
	"lotse/flows"
	"lotse/flows/remind"
	"lotse/store"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// TestReminderDrain: due reminders drain through the real pipeline
// (dispatcher, workers, engine, bbolt, sender) against a server that
// enforces a slightly higher limit than the configured rate: every one is
// sent once, never faster than the rate, and without a single 429. How
// close to the rate the drain gets is a figure, not a pass mark: see
// BenchmarkReminderDrain.
func TestReminderDrain(t *testing.T) {
	got, perSec := drain(t, 300, 60)
	if got > 1.05*float64(perSec) {
		t.Errorf("drained at %.1f/s, faster than the configured %d/s", got, perSec)
	}
}

// BenchmarkReminderDrain measures how close the drain of due reminders
// gets to the configured rate (reported as %_of_rate). The figure in the
// notes: LOTSE_DRAIN_N=100000 LOTSE_DRAIN_RATE=200 go test ./bot -run '^$'
// -bench ReminderDrain -benchtime 1x.
func BenchmarkReminderDrain(b *testing.B) {
	for b.Loop() {
		got, perSec := drain(b, envInt("LOTSE_DRAIN_N", 1000), envInt("LOTSE_DRAIN_RATE", 100))
		b.ReportMetric(got, "reminders/s")
		b.ReportMetric(100*got/float64(perSec), "%_of_rate")
	}
}

// drain sends n due reminders at perSec per second and returns the rate
// reached.
func drain(t testing.TB, n, perSec int) (float64, int) {
	t.Helper()
	t.Cleanup(func() { setClock(time.Time{}) })
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC) // 13:00 in Berlin: no quiet hours
	setClock(at)

	path := filepath.Join(t.TempDir(), "lotse.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const batch = 10000
	for start := 0; start < n; start += batch {
		var changes []flows.ReminderChange
		for i := start; i < min(n, start+batch); i++ {
			changes = append(changes, flows.ReminderChange{Put: &flows.Reminder{Chat: int64(100000 + i), Kind: flows.KindDeadline,
				Deadline: "grant", Due: at.Add(-time.Minute), TZ: flows.DefaultTZ}})
		}
		if err := db.Save(context.Background(), flows.Session{Chat: 1}, nil, changes...); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	limit := perSec + max(perSec/20, 1)
	srv := telegramtest.New(t, telegramtest.WithToken(token), telegramtest.WithMaxCalls(1000), telegramtest.WithLimits(telegramtest.Limits{
		Global: telegramtest.Rate{Count: limit, Per: time.Second, Burst: limit},
	}))
	h := start(t, srv, path, bot.Config{GlobalRate: rate.Limit(perSec), GlobalBurst: 1, ChatRate: rate.Inf})
	d := &remind.Dispatcher{Store: h.db, Submit: h.bot.Submit, Now: now}
	begin := time.Now()
	if _, err := d.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !srv.WaitFor(time.Duration(n/perSec+30)*time.Second, func() bool { return srv.CallCount("sendMessage") >= n }) {
		t.Fatalf("only %d of %d reminders sent", srv.CallCount("sendMessage"), n)
	}
	took := time.Since(begin)
	got := float64(n-1) / took.Seconds()
	t.Logf("%d reminders in %v: %.1f/s at a configured %d/s (%.1f %%)", n, took.Round(time.Millisecond), got, perSec, 100*got/float64(perSec))
	for _, c := range srv.CallsTo("sendMessage") {
		if c.Code == 429 {
			t.Fatalf("the server answered 429")
		}
	}
	h.settle(srv.SendText(1, user(1, "en"), "/help")) // let the last deliveries finish
	if sent := srv.CallCount("sendMessage"); sent != n+1 {
		t.Errorf("%d sendMessage calls for %d reminders and one answer: a 429 or a repeat happened", sent, n)
	}
	if due, _ := h.db.DueReminders(context.Background(), at, 10); len(due) > 0 {
		t.Errorf("%d reminders still due after the drain", len(due))
	}
	return got, perSec
}
