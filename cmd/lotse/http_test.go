package main

import (
	"bufio"
	"context"
	"io"
	"maps"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"lotse/bot/telegramtest"
	"lotse/flows"
	"lotse/store"
)

// lockedBuffer is a log buffer safe for the program and the test at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var listeningRE = regexp.MustCompile(`operator HTTP listening.* addr=(\S+)`)

// opsAddr waits for the log line that names the operators' listener.
func opsAddr(t *testing.T, logs *lockedBuffer) string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := listeningRE.FindStringSubmatch(logs.String()); m != nil {
			return "http://" + m[1]
		}
	}
	t.Fatalf("no operator HTTP listener in the log:\n%s", logs.String())
	return ""
}

// get returns the status and body of a GET.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// samples parses the Prometheus text format into values by "name{labels}".
func samples(t *testing.T, text string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if i < 0 || err != nil {
			t.Fatalf("bad sample line %q", line)
		}
		out[line[:i]] = v
	}
	return out
}

// daytimeZone returns a time zone where it is now between 09:00 and
// 20:00, so a reminder due now is not held back by quiet hours.
func daytimeZone(t *testing.T) string {
	for _, tz := range []string{"Europe/Berlin", "America/New_York", "America/Los_Angeles", "Asia/Kolkata", "Asia/Tokyo", "Pacific/Auckland"} {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			t.Fatal(err)
		}
		if h := time.Now().In(loc).Hour(); h >= 9 && h < 20 {
			return tz
		}
	}
	t.Fatal("no zone in daytime")
	return ""
}

// TestOperatorHTTPOnTelegram runs lotse with LOTSE_HTTP against the fake
// Bot API: a due reminder, a 429 and a blocked user show in /metrics,
// /healthz answers 200, and the listener stops with the program.
func TestOperatorHTTPOnTelegram(t *testing.T) {
	srv := telegramtest.New(t)
	dbPath := filepath.Join(t.TempDir(), "lotse.db")
	db, err := store.Open(dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const remindee, user, blocked = 7, 8, 9
	if err := db.Save(t.Context(), flows.Session{Chat: remindee, Lang: "en", LangChosen: true, Updated: time.Now()}, nil,
		flows.ReminderChange{Put: &flows.Reminder{Chat: remindee, Kind: flows.KindFollowup, Flow: "recognition", Step: "result",
			Due: time.Now().Add(-time.Minute), TZ: daytimeZone(t), Created: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	cancel, exited, logs := startOnTelegram(t, dbPath, srv, map[string]string{"LOTSE_HTTP": "127.0.0.1:0"})
	defer cancel()
	base := opsAddr(t, logs)

	srv.FailNext("sendMessage", telegramtest.TooManyRequests(1))
	srv.SendText(user, telegramtest.User{ID: user, FirstName: "U", LanguageCode: "en"}, "/start")
	srv.Block(blocked)
	srv.SendText(blocked, telegramtest.User{ID: blocked, FirstName: "B", LanguageCode: "en"}, "/start")

	want := []struct {
		sample string
		min    float64
	}{
		{"lotse_telegram_429_total", 1},
		{`lotse_updates_total{kind="command"}`, 2},
		{`lotse_updates_total{kind="reminder"}`, 1},
		{`lotse_updates_total{kind="blocked"}`, 1},
		{`lotse_errors_total{kind="blocked"}`, 1},
		{"lotse_messages_sent_total", 3}, // the reminder and /start's two replies
		{"lotse_reply_latency_seconds_count", 2},
		{"lotse_update_duration_seconds_count", 4},
		{"lotse_reminders_due_total", 1},
		{"lotse_reminders_sent_total", 1},
		{"lotse_sessions", 1},
		{"lotse_outbox_depth", 0},
		{"go_goroutines", 1},
	}
	var got map[string]float64
	missing := func() []string {
		code, body := get(t, base+"/metrics")
		if code != 200 {
			t.Fatalf("GET /metrics: %d %s", code, body)
		}
		got = samples(t, body)
		var miss []string
		for _, w := range want {
			if v, ok := got[w.sample]; !ok || v < w.min {
				miss = append(miss, w.sample)
			}
		}
		return miss
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(missing()) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	for _, w := range want {
		if v, ok := got[w.sample]; !ok || v < w.min {
			t.Errorf("%s = %v (present %v), want at least %v", w.sample, v, ok, w.min)
		}
	}
	if n := len(srv.Messages(remindee)); n != 1 {
		t.Errorf("the due reminder sent %d messages, want 1", n)
	}
	if code, body := get(t, base+"/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("GET /healthz: %d %q, want 200 ok", code, body)
	}

	cancel()
	waitExit(t, exited, logs, 20*time.Second)
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("the operator listener still answers after lotse stopped")
	}
}

// TestOperatorHTTPInTerminal: in the terminal chat, /healthz checks the
// store only, and /metrics answers.
func TestOperatorHTTPInTerminal(t *testing.T) {
	in, typing := io.Pipe()
	logs := &lockedBuffer{}
	exited := make(chan int, 1)
	go func() {
		exited <- run(t.Context(), []string{"-db", filepath.Join(t.TempDir(), "chat.db")}, in, io.Discard, logs,
			env(map[string]string{"LOTSE_HTTP": "127.0.0.1:0", "LOG_LEVEL": "info"}))
	}()
	base := opsAddr(t, logs)
	if code, body := get(t, base+"/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("GET /healthz: %d %q, want 200 ok", code, body)
	}
	if code, body := get(t, base+"/metrics"); code != 200 || !strings.Contains(body, "lotse_updates_total") {
		t.Errorf("GET /metrics: %d, body without lotse_updates_total", code)
	}
	typing.Close() // end of input: the chat ends, and the listener with it
	waitExit(t, exited, logs, 10*time.Second)
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("the operator listener still answers after lotse stopped")
	}
}

// waitExit waits for lotse, run in the background, to end with exit
// status 0.
func waitExit(t *testing.T, exited <-chan int, logs *lockedBuffer, d time.Duration) {
	t.Helper()
	select {
	case code := <-exited:
		if code != 0 {
			t.Errorf("exit %d:\n%s", code, logs.String())
		}
	case <-time.After(d):
		t.Fatal("lotse did not stop")
	}
}

// startOnTelegram runs lotse in the background against srv on the database
// dbPath, without rate limits, with the extra environment; cancel stops it
// and its exit status arrives on exited.
func startOnTelegram(t *testing.T, dbPath string, srv *telegramtest.Server, extra map[string]string) (cancel context.CancelFunc, exited <-chan int, logs *lockedBuffer) {
	t.Helper()
	e := map[string]string{
		"TELEGRAM_BOT_TOKEN": telegramtest.DefaultToken, "TELEGRAM_API_ENDPOINT": srv.Endpoint(),
		"LOTSE_SEND_RATE": "off", "LOTSE_CHAT_RATE": "off", "LOG_LEVEL": "info",
	}
	maps.Copy(e, extra)
	ctx, cancel := context.WithCancel(t.Context())
	logs = &lockedBuffer{}
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"-db", dbPath}, strings.NewReader(""), io.Discard, logs, env(e)) }()
	return cancel, done, logs
}
