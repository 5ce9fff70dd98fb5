package metrics_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"lotse/bot"
	"lotse/bot/metrics"
	"lotse/flows"
	"lotse/store"
)

// scrape fetches url and returns its samples by "name{labels}" (the
// labels as the text format writes them), and the metric names seen.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q, want the text format", ct)
	}
	return parse(t, resp.Body)
}

func parse(t *testing.T, r io.Reader) map[string]float64 {
	t.Helper()
	samples := map[string]float64{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			t.Fatalf("bad sample line %q", line)
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("bad value in %q: %v", line, err)
		}
		samples[line[:i]] = v
	}
	return samples
}

func TestScrape(t *testing.T) {
	m := metrics.New()
	var o bot.Observer = m
	o.UpdateHandled("text", 3*time.Millisecond)
	o.UpdateHandled("text", 30*time.Millisecond)
	o.UpdateHandled("button", time.Millisecond)
	o.UpdateHandled("mystery", time.Millisecond) // an unforeseen kind still counts
	o.Sent()
	o.Sent()
	o.Replied(200 * time.Millisecond)
	o.TooMany()
	o.Error(bot.ErrorBlocked)
	o.Error(bot.ErrorNetwork)
	o.Error(bot.ErrorNetwork)
	m.RemindersDue(3)
	m.RemindersDue(0)
	m.SetOutbox(func() int { return 7 })

	srv := httptest.NewServer(metrics.Mux(m, metrics.Health()))
	defer srv.Close()
	got := scrape(t, srv.URL+"/metrics")
	tests := []struct {
		sample string
		want   float64
	}{
		{`lotse_updates_total{kind="text"}`, 2},
		{`lotse_updates_total{kind="button"}`, 1},
		{`lotse_updates_total{kind="command"}`, 0}, // present before the first one
		{`lotse_updates_total{kind="mystery"}`, 1},
		{`lotse_update_duration_seconds_count`, 4},
		{`lotse_update_duration_seconds_bucket{le="0.005"}`, 3},
		{`lotse_update_duration_seconds_bucket{le="+Inf"}`, 4},
		{`lotse_reply_latency_seconds_count`, 1},
		{`lotse_reply_latency_seconds_bucket{le="0.1"}`, 0},
		{`lotse_reply_latency_seconds_bucket{le="0.25"}`, 1},
		{`lotse_messages_sent_total`, 2},
		{`lotse_telegram_429_total`, 1},
		{`lotse_errors_total{kind="blocked"}`, 1},
		{`lotse_errors_total{kind="network"}`, 2},
		{`lotse_errors_total{kind="telegram_5xx"}`, 0},
		{`lotse_errors_total{kind="store"}`, 0},
		{`lotse_reminders_due_total`, 3},
		{`lotse_reminders_sent_total`, 0},
		{`lotse_outbox_depth`, 7},
	}
	for _, tt := range tests {
		v, ok := got[tt.sample]
		if !ok {
			t.Errorf("%s missing from the scrape", tt.sample)
		} else if v != tt.want {
			t.Errorf("%s = %v, want %v", tt.sample, v, tt.want)
		}
	}
	// Go runtime and process collectors are there; every other metric is
	// Lotse's own.
	for _, want := range []string{"go_goroutines", "process_resident_memory_bytes"} {
		if _, ok := got[want]; !ok {
			t.Errorf("%s missing", want)
		}
	}
	for name := range got {
		if !strings.HasPrefix(name, "lotse_") && !strings.HasPrefix(name, "go_") && !strings.HasPrefix(name, "process_") {
			t.Errorf("metric %s is neither Lotse's nor the Go/process collectors'", name)
		}
	}
	if _, ok := got["lotse_sessions"]; ok {
		t.Error("lotse_sessions reported before it was ever counted")
	}
}

// TestNoAllocationsPerUpdate: counting an update, a send and an error of
// a known kind allocates nothing.
func TestNoAllocationsPerUpdate(t *testing.T) {
	m := metrics.New()
	allocs := testing.AllocsPerRun(100, func() {
		m.UpdateHandled("command", time.Millisecond)
		m.Sent()
		m.Replied(time.Millisecond)
		m.Error(bot.ErrorTelegram5xx)
		m.TooMany()
	})
	if allocs != 0 {
		t.Errorf("%v allocations per update", allocs)
	}
}

type fixedHandler struct{ res flows.Result }

func (h fixedHandler) Handle(context.Context, flows.Event) (flows.Result, error) { return h.res, nil }

func TestCountReminders(t *testing.T) {
	said := flows.Result{Replies: []flows.Reply{{Chat: 1, Text: "Reminder"}}}
	tests := []struct {
		name string
		kind flows.Kind
		res  flows.Result
		want float64
	}{
		{"reminder sent", flows.KindReminder, said, 1},
		{"reminder put off (quiet hours)", flows.KindReminder, flows.Result{}, 0},
		{"a text is no reminder", flows.KindText, said, 0},
	}
	for _, tt := range tests {
		m := metrics.New()
		h := m.CountReminders(fixedHandler{tt.res})
		if _, err := h.Handle(t.Context(), flows.Event{Chat: 1, Kind: tt.kind}); err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(m.Handler())
		got := scrape(t, srv.URL)["lotse_reminders_sent_total"]
		srv.Close()
		if got != tt.want {
			t.Errorf("%s: lotse_reminders_sent_total = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestTrackSessions(t *testing.T) {
	m := metrics.New()
	ctx, cancel := context.WithCancel(t.Context())
	counted := make(chan struct{}, 10)
	n := 0
	done := make(chan struct{})
	go func() {
		m.TrackSessions(ctx, func(context.Context) (int, error) {
			n++
			defer func() {
				select {
				case counted <- struct{}{}:
				default: // enough seen
				}
			}()
			if n == 1 {
				return 0, errors.New("database busy")
			}
			return 42, nil
		}, 10*time.Millisecond)
		close(done)
	}()
	for range 3 { // the third count starts after the second one was stored
		<-counted
	}
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	c := 0
	for _, f := range fams {
		if f.GetName() == "lotse_sessions" {
			c += len(f.GetMetric())
		}
	}
	if c != 1 {
		t.Fatalf("lotse_sessions gathered %d times after a successful count, want once", c)
	}
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	if got := scrape(t, srv.URL)["lotse_sessions"]; got != 42 {
		t.Errorf("lotse_sessions = %v, want 42", got)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("TrackSessions did not return after its context ended")
	}
}

func TestHealth(t *testing.T) {
	ok := func(context.Context) error { return nil }
	down := func(context.Context) error { return errors.New("no answer") }
	hang := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	tests := []struct {
		name   string
		method string
		checks []metrics.Check
		code   int
		body   []string
	}{
		{"all fine", "GET", []metrics.Check{{Name: "store", Func: ok}, {Name: "telegram", Func: ok}}, 200, []string{"ok"}},
		{"no checks", "GET", nil, 200, []string{"ok"}},
		{"HEAD", "HEAD", []metrics.Check{{Name: "store", Func: ok}}, 200, nil},
		{"telegram down", "GET", []metrics.Check{{Name: "store", Func: ok}, {Name: "telegram", Func: down}}, 503, []string{"telegram: no answer"}},
		{"store hangs", "GET", []metrics.Check{{Name: "store", Func: hang, Timeout: 20 * time.Millisecond}}, 503, []string{"store: context deadline exceeded"}},
		{"both down", "GET", []metrics.Check{{Name: "store", Func: down}, {Name: "telegram", Func: down}}, 503, []string{"store: no answer", "telegram: no answer"}},
		{"POST", "POST", []metrics.Check{{Name: "store", Func: ok}}, 405, nil},
	}
	for _, tt := range tests {
		srv := httptest.NewServer(metrics.Mux(metrics.New(), metrics.Health(tt.checks...)))
		req, _ := http.NewRequest(tt.method, srv.URL+"/healthz", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		srv.Close()
		if resp.StatusCode != tt.code {
			t.Errorf("%s: status %d, want %d (body %q)", tt.name, resp.StatusCode, tt.code, body)
		}
		for _, want := range tt.body {
			if !strings.Contains(string(body), want) {
				t.Errorf("%s: body %q lacks %q", tt.name, body, want)
			}
		}
		if tt.code == 503 && strings.Contains(string(body), "ok") {
			t.Errorf("%s: a failing check answers %q", tt.name, body)
		}
	}
}

// TestHealthStore: /healthz asks the real store, and answers 503 once it
// is closed.
func TestHealthStore(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "lotse.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(metrics.Mux(metrics.New(), metrics.Health(metrics.Check{Name: "store", Func: db.Ping, Timeout: time.Second})))
	defer srv.Close()
	get := func() (int, string) {
		resp, err := http.Get(srv.URL + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(); code != 200 || body != "ok\n" {
		t.Errorf("open store: %d %q, want 200 ok", code, body)
	}
	db.Close()
	if code, body := get(); code != 503 || !strings.HasPrefix(body, "store: ping database: database not open") {
		t.Errorf("closed store: %d %q, want 503 with the reason", code, body)
	}
	if resp, err := http.Get(srv.URL + "/elsewhere"); err != nil || resp.StatusCode != 404 {
		t.Errorf("GET /elsewhere: %v %v, want 404", resp.Status, err)
	}
}
