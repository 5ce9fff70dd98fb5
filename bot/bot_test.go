package bot_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"lotse/bot"
	"lotse/bot/telegramtest"
	"lotse/flows"
	"lotse/flows/content"
	"lotse/flows/remind"
	"lotse/locales"
	"lotse/store"
)

const token = "4242:SECRET-token-value"

// harness runs the real bot (poll loop, workers, engine, bbolt) against the
// fake Bot API server.
type harness struct {
	t      testing.TB
	srv    *telegramtest.Server
	bot    *bot.Bot
	db     *store.DB
	engine *flows.Engine
	cancel context.CancelFunc
	done   chan error
	logs   *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newServer(t *testing.T) *telegramtest.Server {
	return telegramtest.New(t, telegramtest.WithToken(token))
}

// clock is the engines' clock; tests that move time set it.
var clock struct {
	sync.Mutex
	t time.Time
}

func now() time.Time {
	clock.Lock()
	defer clock.Unlock()
	if clock.t.IsZero() {
		return time.Now()
	}
	return clock.t
}

func setClock(t time.Time) {
	clock.Lock()
	clock.t = t
	clock.Unlock()
}

// openEngine opens the database at path and an engine on the shipped
// content.
func openEngine(t testing.TB, path string, log *slog.Logger) (*store.DB, *flows.Engine) {
	t.Helper()
	set, err := flows.Load(content.Files)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := flows.NewEngine(flows.Config{Content: set, Store: db, Translator: cat, Logger: log, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return db, e
}

// start runs a bot on the database at path until stop or the test's end,
// without rate limits unless cfg sets them.
func start(t testing.TB, srv *telegramtest.Server, path string, cfg ...bot.Config) *harness {
	t.Helper()
	h := &harness{t: t, srv: srv, logs: &syncBuffer{}, done: make(chan error, 1)}
	log := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h.db, h.engine = openEngine(t, path, log)
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	c := bot.Config{GlobalRate: rate.Inf, ChatRate: rate.Inf}
	if len(cfg) > 0 {
		c = cfg[0]
	}
	c.Token, c.Endpoint, c.Handler, c.Outbox, c.Logger = token, srv.Endpoint(), h.engine, h.db, log
	c.PollTimeout, c.Workers = 2*time.Second, 4
	b, err := bot.New(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	h.bot = b
	go func() { h.done <- b.Run(ctx) }()
	<-b.Ready()
	t.Cleanup(h.stop)
	return h
}

// stop shuts the bot down gracefully and closes the database.
func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	h.cancel = nil
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("Run: %v", err)
		}
	case <-time.After(15 * time.Second):
		h.t.Error("Run did not return within 15s of cancellation")
	}
	h.db.Close()
	if strings.Contains(h.logs.String(), token) || strings.Contains(h.logs.String(), "SECRET") {
		h.t.Errorf("the token appears in the log:\n%s", h.logs.String())
	}
	// What users type never reaches the log, even at debug level.
	for _, typed := range []string{"Krankenschwester", "electrician", "медсестра", "Lehrerin", "hello everyone"} {
		if strings.Contains(h.logs.String(), typed) {
			h.t.Errorf("the log holds the user's text %q", typed)
		}
	}
}

// settle waits until update u is confirmed and the outbox is empty: the
// update was committed and everything it caused was delivered.
func (h *harness) settle(u int) {
	h.t.Helper()
	settled := func() bool {
		if !h.srv.Acked(u) {
			return false
		}
		p, err := h.db.Pending(context.Background())
		return err == nil && len(p) == 0
	}
	// The server wakes WaitFor on its own events; the outbox is acknowledged
	// in the database after the last call, so look again every few ms too.
	deadline := time.Now().Add(10 * time.Second)
	ok := false
	for !ok && time.Now().Before(deadline) {
		ok = h.srv.WaitFor(5*time.Millisecond, settled)
	}
	if !ok {
		h.t.Fatalf("update %d not settled within 10s\nlog:\n%s", u, h.logs.String())
	}
}

// eventually polls cond every few milliseconds until it holds or d has
// passed, and reports whether it held.
func eventually(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

// press presses the newest button with the given callback data in chat.
func (h *harness) press(chat int64, data string) int {
	h.t.Helper()
	u, _, ok := h.srv.PressData(chat, data)
	if !ok {
		h.t.Fatalf("no button %q in chat %d; last message: %q", data, chat, last(h.srv, chat))
	}
	return u
}

func last(srv *telegramtest.Server, chat int64) string {
	m, _ := srv.LastMessage(chat)
	return m.Text
}

func user(chat int64, lang string) telegramtest.User {
	return telegramtest.User{ID: chat, FirstName: "Test", LanguageCode: lang}
}

// noRefusedCalls fails the test if Telegram refused any request the bot
// made on its own (not an injected fault): a refused request is a bug.
func noRefusedCalls(t *testing.T, srv *telegramtest.Server, allow ...string) {
	t.Helper()
	for _, c := range srv.Calls() {
		if c.Code == 200 || c.Code == 0 || c.Injected {
			continue
		}
		allowed := false
		for _, a := range allow {
			allowed = allowed || strings.Contains(c.Description, a)
		}
		if !allowed {
			t.Errorf("Telegram refused %s: %d %s (params %v)", c.Method, c.Code, c.Description, c.Params)
		}
	}
}

func recognitionVersion(t *testing.T) int {
	set, err := flows.Load(content.Files)
	if err != nil {
		t.Fatal(err)
	}
	return set.Flows["recognition"].Version
}

// TestConversation walks the recognition flow in German on Telegram:
// /start, language, topic, a typed profession, buttons, the result, Back.
func TestConversation(t *testing.T) {
	srv := newServer(t)
	h := start(t, srv, filepath.Join(t.TempDir(), "lotse.db"))
	const chat = 1001
	v := recognitionVersion(t)
	c := func(step, opt string) string { return fmt.Sprintf("c:recognition:%d:%s:%s", v, step, opt) }

	h.settle(srv.SendText(chat, user(chat, "de"), "/start"))
	if got := last(srv, chat); !strings.Contains(got, "In welcher Sprache") {
		t.Fatalf("after /start: %q, want the language picker in German", got)
	}
	h.settle(h.press(chat, "l:de"))
	h.settle(h.press(chat, "f:recognition"))
	h.settle(srv.SendText(chat, user(chat, "de"), "Ich bin Krankenschwester"))
	if got := last(srv, chat); !strings.Contains(got, "Pflegefach") {
		t.Fatalf("after typing a profession: %q, want it recognised", got)
	}
	h.settle(h.press(chat, c("origin", "third")))
	h.settle(h.press(chat, c("residence", "abroad")))
	result := last(srv, chat)
	for _, want := range []string{"Landesprüfungsamt", "Quellen", "geprüft am"} {
		if !strings.Contains(result, want) {
			t.Errorf("result lacks %q:\n%s", want, result)
		}
	}
	// The pressed question now records the choice and has no buttons.
	msgs := srv.Messages(chat)
	edited := 0
	for _, m := range msgs {
		if m.Edits > 0 && strings.Contains(m.Text, "➜") && m.Keyboard == nil {
			edited++
		}
	}
	if edited < 3 {
		t.Errorf("%d messages record a choice, want at least 3 (topic, origin, residence)", edited)
	}
	h.settle(h.press(chat, fmt.Sprintf("b:recognition:%d:result", v)))
	if got := last(srv, chat); !strings.Contains(got, "Deutschland") {
		t.Errorf("Back from the result: %q, want the residence question again", got)
	}
	if q := srv.Unanswered(); len(q) > 0 {
		t.Errorf("callback queries left unanswered: %v", q)
	}
	noRefusedCalls(t, srv)
}

// TestUkrainianUser: a user whose client reports "uk" gets the language
// picker with Ukrainian preselected, and everything after it in Ukrainian.
func TestUkrainianUser(t *testing.T) {
	srv := newServer(t)
	h := start(t, srv, filepath.Join(t.TempDir(), "lotse.db"))
	const chat = 1501
	h.settle(srv.SendText(chat, user(chat, "uk"), "/start"))
	picker, _ := srv.LastMessage(chat)
	selected := ""
	for _, row := range picker.Keyboard {
		for _, b := range row {
			if strings.HasPrefix(b.Text, "✓ ") {
				selected = b.Text
			}
		}
	}
	if selected != "✓ Українська" {
		t.Errorf("preselected language = %q, want ✓ Українська", selected)
	}
	h.settle(h.press(chat, "l:uk"))
	h.settle(h.press(chat, "f:recognition"))
	h.settle(srv.SendText(chat, user(chat, "uk"), "медсестра"))
	for _, m := range srv.Messages(chat)[1:] { // after the picker
		if strings.ContainsAny(m.Text, "абвгдежзиклмнопрстуфхцчшщьюяєіїґ") {
			continue
		}
		t.Errorf("a message after choosing Ukrainian is not in Ukrainian: %q", m.Text)
	}
	if got := last(srv, chat); !strings.ContainsAny(got, "єіїґ") {
		t.Errorf("the newest message has no Ukrainian letter (є, і, ї, ґ): %q", got)
	}
	noRefusedCalls(t, srv)
}

// TestFollowupAcrossRestart: a follow-up set in a conversation is delivered
// with its buttons when the clock reaches it, after a restart of the bot in
// between, exactly once.
func TestFollowupAcrossRestart(t *testing.T) {
	t.Cleanup(func() { setClock(time.Time{}) })
	setClock(time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC))
	srv := newServer(t)
	path := filepath.Join(t.TempDir(), "lotse.db")
	const chat = 1801
	v := recognitionVersion(t)
	h := start(t, srv, path)
	h.settle(srv.SendText(chat, user(chat, "en"), "/start"))
	h.settle(h.press(chat, "l:en"))
	h.settle(h.press(chat, "f:recognition"))
	h.settle(srv.SendText(chat, user(chat, "en"), "teacher"))
	h.settle(h.press(chat, fmt.Sprintf("c:recognition:%d:origin:eu", v)))
	h.settle(h.press(chat, fmt.Sprintf("c:recognition:%d:residence:germany", v)))
	h.settle(h.press(chat, fmt.Sprintf("o:recognition:%d:result", v)))
	h.settle(h.press(chat, fmt.Sprintf("w:recognition:%d:result:7", v)))
	if got := last(srv, chat); !strings.Contains(got, "2026-12-01") {
		t.Fatalf("setting the follow-up: %q", got)
	}
	h.stop()

	setClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)) // a week later, after a restart
	h = start(t, srv, path)
	d := &remind.Dispatcher{Store: h.db, Submit: h.bot.Submit, Now: now}
	for range 3 { // passes may repeat (cron, start-up catch-up): still one message
		if _, err := d.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if !srv.WaitFor(5*time.Second, func() bool { return strings.Contains(last(srv, chat), "Reminder:") }) {
		t.Fatalf("the follow-up did not arrive; newest message %q", last(srv, chat))
	}
	h.settle(srv.SendText(chat, user(chat, "en"), "/help")) // let every delivery finish
	count := 0
	var buttons []string
	for _, m := range srv.Messages(chat) {
		if strings.Contains(m.Text, "Reminder:") {
			count++
			for _, row := range m.Keyboard {
				for _, b := range row {
					buttons = append(buttons, b.CallbackData)
				}
			}
		}
	}
	if count != 1 || len(buttons) != 3 {
		t.Errorf("%d reminder messages with buttons %v, want one with done, week, stop", count, buttons)
	}
	noRefusedCalls(t, srv, "terminated by other getUpdates request") // the stopped instance's last poll
}

// TestRestartMidConversation stops the bot half-way, starts a new one on
// the same file, and shows the user continues where they were and a
// redelivered update is not handled again.
func TestRestartMidConversation(t *testing.T) {
	srv := newServer(t)
	path := filepath.Join(t.TempDir(), "lotse.db")
	const chat = 2002
	v := recognitionVersion(t)

	h := start(t, srv, path)
	h.settle(srv.SendText(chat, user(chat, "en"), "/start"))
	h.settle(h.press(chat, "l:en"))
	h.settle(h.press(chat, "f:recognition"))
	typed := srv.SendText(chat, user(chat, "en"), "electrician")
	h.settle(typed)
	h.stop()
	sentBefore := srv.CallCount("sendMessage")

	h = start(t, srv, path)
	if !srv.Redeliver(typed) {
		t.Fatal("could not redeliver")
	}
	h.settle(typed)
	if n := srv.CallCount("sendMessage"); n != sentBefore {
		t.Errorf("a redelivered update was answered again: %d sendMessage calls, want %d", n, sentBefore)
	}
	h.settle(h.press(chat, fmt.Sprintf("c:recognition:%d:origin:eu", v)))
	if got := last(srv, chat); !strings.Contains(got, "live in Germany") {
		t.Errorf("after restart the flow did not continue: %q", got)
	}
	// The stopped instance's aborted long poll may be answered 409 when its
	// shutdown confirmation arrives; nobody reads that answer.
	noRefusedCalls(t, srv, "terminated by other getUpdates request")
}

// TestOutboxDeliveredOnStart: replies committed before a crash (here: by
// the engine alone, with no bot running) are delivered when the bot starts.
func TestOutboxDeliveredOnStart(t *testing.T) {
	srv := newServer(t)
	path := filepath.Join(t.TempDir(), "lotse.db")
	db, e := openEngine(t, path, nil)
	if _, err := e.Handle(context.Background(), flows.Event{UpdateID: 1, Chat: 3003, Kind: flows.KindCommand, Command: "start"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	h := start(t, srv, path)
	msgs, ok := srv.WaitForMessages(3003, 2, 10*time.Second)
	if !ok {
		t.Fatalf("outbox not delivered on start; messages %v\n%s", msgs, h.logs.String())
	}
	if !strings.Contains(msgs[0].Text, "Lotse") {
		t.Errorf("first delivered message: %q", msgs[0].Text)
	}
}

func TestRateLimitedSendIsRetried(t *testing.T) {
	srv := newServer(t)
	h := start(t, srv, filepath.Join(t.TempDir(), "lotse.db"))
	srv.FailNext("sendMessage", telegramtest.TooManyRequests(1))
	begin := time.Now()
	h.settle(srv.SendText(4004, user(4004, "en"), "/start"))
	if len(srv.Messages(4004)) != 2 {
		t.Errorf("after a 429 the chat has %d messages, want both replies", len(srv.Messages(4004)))
	}
	if d := time.Since(begin); d < time.Second {
		t.Errorf("retried after %v, before retry_after (1s)", d)
	}
	noRefusedCalls(t, srv)
}

// TestRateLimitInOneChatDoesNotBlockOthers: a 429 for one chat delays that
// chat only.
func TestRateLimitInOneChatDoesNotBlockOthers(t *testing.T) {
	srv := newServer(t)
	h := start(t, srv, filepath.Join(t.TempDir(), "lotse.db"))
	srv.FailNext("sendMessage", telegramtest.TooManyRequests(3))
	slow := srv.SendText(8001, user(8001, "en"), "/start")
	if !srv.WaitFor(5*time.Second, func() bool {
		for _, c := range srv.CallsTo("sendMessage") {
			if c.Code == 429 {
				return true
			}
		}
		return false
	}) {
		t.Fatal("no 429 happened")
	}
	begin := time.Now()
	fast := srv.SendText(8002, user(8002, "en"), "/start")
	if _, ok := srv.WaitForMessages(8002, 2, 2*time.Second); !ok {
		t.Fatalf("the other chat waited for the rate-limited one")
	}
	if d := time.Since(begin); d > 2*time.Second {
		t.Errorf("the other chat took %v", d)
	}
	if n := len(srv.Messages(8001)); n != 0 {
		t.Errorf("the rate-limited chat got %d messages before its retry_after", n)
	}
	h.settle(fast)
	h.settle(slow)
	if n := len(srv.Messages(8001)); n != 2 {
		t.Errorf("the rate-limited chat has %d messages after its retry_after, want 2", n)
	}
}

// TestRateLimits: sending keeps to the configured global and per-chat
// rates, so a server that enforces them never answers 429.
func TestRateLimits(t *testing.T) {
	srv := telegramtest.New(t, telegramtest.WithToken(token), telegramtest.WithLimits(telegramtest.Limits{
		Global:  telegramtest.Rate{Count: 20, Per: time.Second, Burst: 20},
		PerChat: telegramtest.Rate{Count: 4, Per: time.Second, Burst: 4},
	}))
	h := start(t, srv, filepath.Join(t.TempDir(), "lotse.db"), bot.Config{GlobalRate: 18, GlobalBurst: 1, ChatRate: 3.5, ChatBurst: 1})
	begin := time.Now()
	var last int
	for chat := int64(1); chat <= 10; chat++ { // 10 chats × 2 replies = 20 messages
		last = srv.SendText(chat, user(chat, "en"), "/start")
	}
	for chat := int64(1); chat <= 10; chat++ {
		if _, ok := srv.WaitForMessages(chat, 2, 10*time.Second); !ok {
			t.Fatalf("chat %d did not get its replies", chat)
		}
	}
	h.settle(last)
	if d := time.Since(begin); d < 900*time.Millisecond {
		t.Errorf("20 messages at 18/s took %v, want about a second", d)
	}
	// One chat: 7 replies in a row at 3.5/s are 6 intervals of 2/7 s.
	begin = time.Now()
	for _, text := range []string{"/menu", "/help", "/menu", "/help", "/menu", "/help", "/menu"} {
		h.settle(srv.SendText(1, user(1, "en"), text))
	}
	if d := time.Since(begin); d < 1600*time.Millisecond {
		t.Errorf("7 messages in one chat at 3.5/s took %v, want at least 6/3.5 s", d)
	}
	for _, c := range srv.Calls() {
		if c.Code == 429 {
			t.Errorf("the server answered 429 to %s", c.Method)
		}
	}
}

// TestSendWindowAcknowledgesInBatches: with several sends in flight, the
// sender acknowledges delivered replies in batches; every reply arrives
// once, in order per chat, and the outbox ends empty.
func TestSendWindowAcknowledgesInBatches(t *testing.T) {
	srv := newServer(t)
	h := start(t, srv, filepath.Join(t.TempDir(), "lotse.db"), bot.Config{SendWindow: 8, GlobalRate: rate.Inf, ChatRate: rate.Inf})
	const chats = 20
	var last []int
	for c := int64(1); c <= chats; c++ {
		srv.SendText(8000+c, user(8000+c, "en"), "/start")
		last = append(last, srv.SendText(8000+c, user(8000+c, "en"), "/help"))
	}
	for _, u := range last {
		h.settle(u)
	}
	for c := int64(1); c <= chats; c++ {
		msgs := srv.Messages(8000 + c)
		if len(msgs) != 3 {
			t.Fatalf("chat %d has %d messages, want 3 (welcome, language picker, help)", 8000+c, len(msgs))
		}
		if !strings.Contains(msgs[2].Text, "/help") {
			t.Errorf("chat %d: the help came out of order: %q", 8000+c, msgs[2].Text)
		}
	}
	if p, err := h.db.Pending(context.Background()); err != nil || len(p) != 0 {
		t.Errorf("outbox after delivery: %d replies (err %v), want none", len(p), err)
	}
	noRefusedCalls(t, srv)
}

func TestTransientFailuresAreRetried(t *testing.T) {
	srv := newServer(t)
	h := start(t, srv, filepath.Join(t.TempDir(), "lotse.db"))
	srv.FailNext("sendMessage", telegramtest.DropConnection(), telegramtest.BadGateway(), telegramtest.BadGatewayHTML())
	srv.FailNext("getUpdates", telegramtest.InternalServerError())
	h.settle(srv.SendText(5005, user(5005, "en"), "/start"))
	if n := len(srv.Messages(5005)); n != 2 {
		t.Errorf("chat has %d messages after transient failures, want 2", n)
	}
	noRefusedCalls(t, srv)
}

func TestBlockedUser(t *testing.T) {
	srv := newServer(t)
	h := start(t, srv, filepath.Join(t.TempDir(), "lotse.db"))
	const chat = 6006
	h.settle(srv.SendText(chat, user(chat, "en"), "/start"))
	srv.Block(chat)
	h.settle(srv.SendText(chat, user(chat, "en"), "/menu"))
	// The 403 is acknowledged first; the "blocked" event it raises commits
	// a moment later through the chat's worker.
	inactive := func(chat int64) bool {
		s, ok, err := h.db.Session(context.Background(), chat)
		return err == nil && ok && s.Inactive
	}
	if !eventually(10*time.Second, func() bool { return inactive(chat) }) {
		s, ok, err := h.db.Session(context.Background(), chat)
		t.Errorf("after a 403 the session is %+v (ok %v, err %v), want inactive", s, ok, err)
	}

	const kicked = 6007
	h.settle(srv.SendText(kicked, user(kicked, "en"), "/start"))
	h.settle(srv.Kick(kicked))
	if !eventually(10*time.Second, func() bool { return inactive(kicked) }) {
		t.Error("a my_chat_member 'kicked' update did not mark the chat inactive")
	}
	if logs := h.logs.String(); strings.Contains(logs, "6006") || strings.Contains(logs, "6007") {
		t.Errorf("the log names a user's chat:\n%s", logs)
	}
}

func TestUnreadableAndForeignInput(t *testing.T) {
	srv := newServer(t)
	h := start(t, srv, filepath.Join(t.TempDir(), "lotse.db"))
	const chat = 7007
	h.settle(srv.SendText(chat, user(chat, "de"), "/start"))
	h.settle(srv.SendSticker(chat, user(chat, "de"), "🙂"))
	if got := last(srv, chat); !strings.Contains(got, "nur Textnachrichten") {
		t.Errorf("answer to a sticker: %q", got)
	}
	h.settle(srv.SendVoice(chat, user(chat, "de"), 3))
	if got := last(srv, chat); !strings.Contains(got, "nur Textnachrichten") {
		t.Errorf("answer to a voice message: %q", got)
	}
	// A forged button and a stale one: answered, current state shown again.
	u, q := srv.PressButton(chat, srv.Messages(chat)[0].ID, "c:recognition:1:../../x:y")
	h.settle(u)
	if a, ok := srv.Answer(q); !ok || !strings.Contains(a.Text, "abgelaufen") {
		t.Errorf("forged button answered %+v (ok %v), want the expired notice", a, ok)
	}
	// An edited message gets its own answer.
	h.settle(srv.SendText(chat, user(chat, "de"), "Krankenschwester"))
	var mine int
	for _, m := range srv.History(chat) {
		if !m.From.IsBot {
			mine = m.ID
		}
	}
	edit := srv.EditText(chat, mine, "Lehrerin")
	if edit == 0 {
		t.Fatal("no user message to edit")
	}
	h.settle(edit)
	if got := last(srv, chat); !strings.Contains(got, "bereits gesendete Nachricht geändert") {
		t.Errorf("answer to an edited message: %q", got)
	}
	// In a group, a command gets one pointer to a private chat, other
	// messages nothing, and nothing is stored about the group.
	const group = -100123
	h.settle(srv.SendGroupText(group, user(chat, "de"), "/start"))
	if got := last(srv, group); !strings.Contains(got, "privaten Chats") {
		t.Errorf("answer to /start in a group: %q", got)
	}
	before := srv.CallCount("sendMessage")
	h.settle(srv.SendGroupText(group, user(chat, "de"), "hello everyone"))
	if n := srv.CallCount("sendMessage"); n != before {
		t.Errorf("the bot answered a plain group message")
	}
	if _, ok, _ := h.db.Session(context.Background(), group); ok {
		t.Error("a session was stored for a group")
	}
	noRefusedCalls(t, srv, "message is not modified")
}

func TestStopsOnConflictAndUnauthorized(t *testing.T) {
	srv := newServer(t)
	srv.FailNext("getMe", telegramtest.Unauthorized())
	_, err := bot.New(context.Background(), bot.Config{Token: token, Endpoint: srv.Endpoint(), Handler: nopHandler{}, Outbox: nopOutbox{}})
	if !errors.Is(err, bot.ErrUnauthorized) {
		t.Errorf("New with a refused token: %v, want ErrUnauthorized", err)
	}

	b, err := bot.New(context.Background(), bot.Config{Token: token, Endpoint: srv.Endpoint(), Handler: nopHandler{}, Outbox: nopOutbox{}})
	if err != nil {
		t.Fatal(err)
	}
	srv.FailNext("getUpdates", telegramtest.Conflict())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.Run(ctx); !errors.Is(err, bot.ErrConflict) {
		t.Errorf("Run after a 409: %v, want ErrConflict", err)
	}
}

func TestTokenNeverInErrors(t *testing.T) {
	srv := newServer(t)
	endpoint := srv.Endpoint()
	srv.Close()
	_, err := bot.New(context.Background(), bot.Config{Token: token, Endpoint: endpoint, Handler: nopHandler{}, Outbox: nopOutbox{}})
	if err == nil {
		t.Fatal("New against a closed server succeeded")
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Errorf("error shows the token: %v", err)
	}
	if !strings.Contains(err.Error(), "<token>") {
		t.Errorf("error %q does not show where the token was redacted", err)
	}
}

func TestSetCommands(t *testing.T) {
	srv := newServer(t)
	b, err := bot.New(context.Background(), bot.Config{Token: token, Endpoint: srv.Endpoint(), Handler: nopHandler{}, Outbox: nopOutbox{}})
	if err != nil {
		t.Fatal(err)
	}
	err = b.SetCommands(context.Background(), []bot.CommandSet{
		{Lang: "", Commands: []bot.Command{{"start", "Start"}, {"help", "Help"}}},
		{Lang: "de", Commands: []bot.Command{{"start", "Starten"}, {"help", "Hilfe"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.Commands("de"); len(got) != 2 || got[0].Description != "Starten" {
		t.Errorf("German commands = %+v", got)
	}
	if got := srv.Commands(""); len(got) != 2 || got[1].Command != "help" {
		t.Errorf("default commands = %+v", got)
	}
}

// TestRateLimitOnAnyMethod: a 429 on getMe, setMyCommands or
// answerCallbackQuery is waited out and retried.
func TestRateLimitOnAnyMethod(t *testing.T) {
	srv := newServer(t)
	srv.FailNext("getMe", telegramtest.TooManyRequests(1))
	b, err := bot.New(context.Background(), bot.Config{Token: token, Endpoint: srv.Endpoint(), Handler: nopHandler{}, Outbox: nopOutbox{}})
	if err != nil {
		t.Fatalf("New after a 429 on getMe: %v", err)
	}
	srv.FailNext("setMyCommands", telegramtest.TooManyRequests(1))
	if err := b.SetCommands(context.Background(), []bot.CommandSet{{Commands: []bot.Command{{"start", "Start"}}}}); err != nil {
		t.Errorf("SetCommands after a 429: %v", err)
	}
	if len(srv.Commands("")) != 1 {
		t.Error("commands not set after the 429")
	}

	h := start(t, srv, filepath.Join(t.TempDir(), "lotse.db"))
	h.settle(srv.SendText(1601, user(1601, "en"), "/start"))
	srv.FailNext("answerCallbackQuery", telegramtest.TooManyRequests(1))
	u, q := srv.PressButton(1601, srv.Messages(1601)[1].ID, "l:en")
	h.settle(u)
	if !srv.WaitFor(5*time.Second, func() bool { return srv.Answered(q) }) {
		t.Error("the button press was not answered after a 429")
	}
}

func TestSetProfiles(t *testing.T) {
	srv := newServer(t)
	b, err := bot.New(context.Background(), bot.Config{Token: token, Endpoint: srv.Endpoint(), Handler: nopHandler{}, Outbox: nopOutbox{}})
	if err != nil {
		t.Fatal(err)
	}
	err = b.SetProfiles(context.Background(), []bot.Profile{
		{Lang: "", Description: "Your guide", Short: "Guide"},
		{Lang: "uk", Description: "Ваш провідник", Short: "Провідник"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.Description("uk"); got != "Ваш провідник" {
		t.Errorf("Ukrainian description = %q", got)
	}
	if got := srv.ShortDescription(""); got != "Guide" {
		t.Errorf("default short description = %q", got)
	}
	if err := b.SetProfiles(context.Background(), []bot.Profile{{Short: strings.Repeat("x", 121)}}); err == nil {
		t.Error("a short description over 120 characters was accepted")
	}
}

type nopHandler struct{}

func (nopHandler) Handle(context.Context, flows.Event) (flows.Result, error) {
	return flows.Result{}, nil
}

type nopOutbox struct{}

func (nopOutbox) Pending(context.Context) ([]flows.Reply, error) { return nil, nil }
func (nopOutbox) Ack(context.Context, ...uint64) error           { return nil }

// TestWebhook runs the bot in webhook mode: Telegram (the fake) posts
// updates with the secret header; the bot answers them once committed;
// requests without the secret, with the wrong method or an oversized body
// are refused.
func TestWebhook(t *testing.T) {
	srv := newServer(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hook := "http://" + ln.Addr().String() + "/telegram/hook"
	h := start(t, srv, filepath.Join(t.TempDir(), "lotse.db"), bot.Config{
		GlobalRate: rate.Inf, ChatRate: rate.Inf, WebhookURL: hook, WebhookListener: ln,
	})
	if !srv.WaitFor(5*time.Second, func() bool { _, _, ok := srv.Webhook(); return ok }) {
		t.Fatal("the bot did not set its webhook")
	}
	url, secret, _ := srv.Webhook()
	if url != hook || len(secret) < 32 {
		t.Errorf("webhook %q with a %d-character secret", url, len(secret))
	}
	const chat = 1701
	u := srv.SendText(chat, user(chat, "de"), "/start")
	h.settle(u)
	h.settle(h.press(chat, "l:de"))
	if got := last(srv, chat); !strings.Contains(got, "Wählen Sie ein Thema") {
		t.Errorf("after choosing German by webhook: %q", got)
	}
	// Telegram may post an update twice: it is handled once.
	sent := srv.CallCount("sendMessage")
	srv.Redeliver(u)
	if !srv.WaitFor(5*time.Second, func() bool { return len(srv.DeliveriesOf(u)) >= 2 && srv.Acked(u) }) {
		t.Fatal("redelivery did not happen")
	}
	h.settle(u)
	if n := srv.CallCount("sendMessage"); n != sent {
		t.Errorf("a redelivered update was answered again (%d → %d messages)", sent, n)
	}

	post := func(method, secret string, body io.Reader) int {
		req, _ := http.NewRequest(method, hook, body)
		if secret != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	update := `{"update_id": 999999, "message": {"message_id": 1, "date": 1, "chat": {"id": 1702, "type": "private"}, "text": "/start"}}`
	for _, tt := range []struct {
		name, method, secret string
		body                 io.Reader
		want                 int
	}{
		{"no secret", "POST", "", strings.NewReader(update), http.StatusUnauthorized},
		{"wrong secret", "POST", secret[:len(secret)-1] + "x", strings.NewReader(update), http.StatusUnauthorized},
		{"GET", "GET", secret, nil, http.StatusMethodNotAllowed},
		{"oversized body", "POST", secret, strings.NewReader(`{"update_id": 1, "message": {"text": "` + strings.Repeat("a", 2<<20) + `"}}`), http.StatusBadRequest},
		{"garbage", "POST", secret, strings.NewReader("\x00\xff not json"), http.StatusBadRequest},
	} {
		if got := post(tt.method, tt.secret, tt.body); got != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, got, tt.want)
		}
	}
	if _, ok := srv.LastMessage(1702); ok {
		t.Error("an update without the secret was handled")
	}
	noRefusedCalls(t, srv)
}
