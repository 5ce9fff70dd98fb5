package telegramtest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"lotse/bot/telegramtest"
)

// newBot connects the real go-telegram-bot-api client to srv.
func newBot(t *testing.T, srv *telegramtest.Server) *tgbotapi.BotAPI {
	t.Helper()
	bot, err := tgbotapi.NewBotAPIWithAPIEndpoint(srv.Token(), srv.Endpoint())
	if err != nil {
		t.Fatalf("NewBotAPIWithAPIEndpoint: %v", err)
	}
	return bot
}

// apiError extracts the *tgbotapi.Error from err or fails the test.
func apiError(t *testing.T, err error) *tgbotapi.Error {
	t.Helper()
	var e *tgbotapi.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *tgbotapi.Error", err, err)
	}
	return e
}

func wantAPIError(t *testing.T, err error, code int, desc string) {
	t.Helper()
	e := apiError(t, err)
	if e.Code != code || !strings.HasPrefix(e.Message, desc) {
		t.Fatalf("got error %d %q, want %d %q", e.Code, e.Message, code, desc)
	}
}

func updateIDs(us []tgbotapi.Update) []int {
	ids := make([]int, len(us))
	for i, u := range us {
		ids[i] = u.UpdateID
	}
	return ids
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestGetMe(t *testing.T) {
	srv := telegramtest.New(t)
	bot := newBot(t, srv)
	if bot.Self.ID != 123 || !bot.Self.IsBot || bot.Self.UserName != "lotse_test_bot" || !bot.Self.CanJoinGroups {
		t.Fatalf("Self = %+v", bot.Self)
	}
	if got := srv.CallCount("getMe"); got != 1 {
		t.Fatalf("getMe calls = %d, want 1", got)
	}

	srv2 := telegramtest.New(t, telegramtest.WithToken("987654:SECRET"), telegramtest.WithBot(telegramtest.User{Username: "other_bot"}))
	bot2 := newBot(t, srv2)
	if bot2.Self.ID != 987654 || bot2.Self.UserName != "other_bot" {
		t.Fatalf("Self = %+v", bot2.Self)
	}
}

func TestWrongTokenIsUnauthorized(t *testing.T) {
	srv := telegramtest.New(t)
	_, err := tgbotapi.NewBotAPIWithAPIEndpoint("123:WRONG", srv.Endpoint())
	wantAPIError(t, err, 401, "Unauthorized")

	resp, err := http.Post(srv.URL()+"/bot123:WRONG/getMe", "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || string(body) != `{"ok":false,"error_code":401,"description":"Unauthorized"}` {
		t.Fatalf("got %d %s", resp.StatusCode, body)
	}
	if c := srv.Calls(); len(c) != 2 || c[1].Code != 401 || c[1].Method != "getMe" {
		t.Fatalf("calls = %+v", c)
	}
}

func TestGetUpdatesOffsetSemantics(t *testing.T) {
	// Every case starts with updates 1, 2, 3 queued.
	type poll struct {
		offset, limit int
		want          []int
	}
	tests := []struct {
		name        string
		polls       []poll
		wantPending int
		wantAcked   []int
	}{
		{"unconfirmed updates come again", []poll{{0, 0, []int{1, 2, 3}}, {0, 0, []int{1, 2, 3}}}, 3, nil},
		{"offset confirms earlier updates", []poll{{2, 0, []int{2, 3}}, {0, 0, []int{2, 3}}}, 2, []int{1}},
		{"limit", []poll{{0, 2, []int{1, 2}}, {3, 1, []int{3}}}, 1, []int{1, 2}},
		{"negative offset takes the tail and forgets the rest", []poll{{-1, 0, []int{3}}, {0, 0, []int{3}}}, 1, []int{1, 2}},
		{"negative offset larger than the queue", []poll{{-10, 0, []int{1, 2, 3}}}, 3, nil},
		{"offset past the end confirms all", []poll{{4, 0, []int{}}, {0, 0, []int{}}}, 0, []int{1, 2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := telegramtest.New(t)
			bot := newBot(t, srv)
			for i := 1; i <= 3; i++ {
				if id := srv.SendText(42, telegramtest.User{}, fmt.Sprint("m", i)); id != i {
					t.Fatalf("update id = %d, want %d", id, i)
				}
			}
			for _, p := range tt.polls {
				us, err := bot.GetUpdates(tgbotapi.UpdateConfig{Offset: p.offset, Limit: p.limit})
				if err != nil {
					t.Fatal(err)
				}
				if got := updateIDs(us); !equalInts(got, p.want) {
					t.Fatalf("offset %d limit %d: got %v, want %v", p.offset, p.limit, got, p.want)
				}
			}
			if got := srv.Pending(); got != tt.wantPending {
				t.Fatalf("Pending = %d, want %d", got, tt.wantPending)
			}
			for id := 1; id <= 3; id++ {
				want := false
				for _, a := range tt.wantAcked {
					want = want || a == id
				}
				if got := srv.Acked(id); got != want {
					t.Fatalf("Acked(%d) = %v, want %v", id, got, want)
				}
			}
		})
	}
}

func TestLongPollWakesWhenUpdateQueued(t *testing.T) {
	srv := telegramtest.New(t)
	bot := newBot(t, srv)
	type result struct {
		us  []tgbotapi.Update
		err error
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		us, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 20})
		done <- result{us, err}
	}()
	if !srv.WaitFor(5*time.Second, srv.Polling) {
		t.Fatal("the long poll never started")
	}
	srv.SendText(42, telegramtest.User{FirstName: "Ada"}, "hello")
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatal(r.err)
		}
		if len(r.us) != 1 || r.us[0].Message.Text != "hello" || r.us[0].Message.From.FirstName != "Ada" {
			t.Fatalf("got %+v", r.us)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("long poll took %v", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the long poll did not wake up")
	}
}

func TestLongPollTimesOut(t *testing.T) {
	srv := telegramtest.New(t)
	bot := newBot(t, srv)
	start := time.Now()
	us, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 1})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); len(us) != 0 || d < 900*time.Millisecond || d > 5*time.Second {
		t.Fatalf("got %d updates after %v", len(us), d)
	}
}

// ctxClient is an HTTPClient that sends every request with ctx.
type ctxClient struct{ ctx context.Context }

func (c ctxClient) Do(req *http.Request) (*http.Response, error) {
	return http.DefaultClient.Do(req.WithContext(c.ctx))
}

func TestLongPollCancelledByClient(t *testing.T) {
	srv := telegramtest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	bot, err := tgbotapi.NewBotAPIWithClient(srv.Token(), srv.Endpoint(), ctxClient{ctx})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 30})
		done <- err
	}()
	if !srv.WaitFor(5*time.Second, srv.Polling) {
		t.Fatal("the long poll never started")
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("GetUpdates error = %v, want context.Canceled", err)
	}
	if !srv.WaitFor(5*time.Second, func() bool { return !srv.Polling() }) {
		t.Fatal("the server still holds the cancelled poll")
	}
	// Nothing is lost: a new client gets the next update.
	srv.SendText(1, telegramtest.User{}, "after")
	us, err := newBot(t, srv).GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(us) != 1 || us[0].Message.Text != "after" {
		t.Fatalf("got %v, %v", us, err)
	}
}

func TestConcurrentPollsConflict(t *testing.T) {
	srv := telegramtest.New(t)
	first, second := newBot(t, srv), newBot(t, srv)
	done := make(chan error, 1)
	go func() {
		_, err := first.GetUpdates(tgbotapi.UpdateConfig{Timeout: 30})
		done <- err
	}()
	if !srv.WaitFor(5*time.Second, srv.Polling) {
		t.Fatal("the long poll never started")
	}
	secondDone := make(chan []tgbotapi.Update, 1)
	go func() {
		us, err := second.GetUpdates(tgbotapi.UpdateConfig{Timeout: 30})
		if err != nil {
			t.Errorf("second poll: %v", err)
		}
		secondDone <- us
	}()
	select {
	case err := <-done:
		e := apiError(t, err)
		if e.Code != 409 || e.Message != telegramtest.DescConflict {
			t.Fatalf("first poll got %d %q", e.Code, e.Message)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the first poll was not terminated")
	}
	// The newer poll is the one that stays and gets the update.
	if !srv.WaitFor(5*time.Second, srv.Polling) {
		t.Fatal("the second poll is not waiting")
	}
	srv.SendText(5, telegramtest.User{}, "x")
	select {
	case us := <-secondDone:
		if len(us) != 1 {
			t.Fatalf("second poll got %d updates", len(us))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the second poll did not get the update")
	}
	calls := srv.CallsTo("getupdates")
	if len(calls) != 2 || calls[0].Code != 409 && calls[1].Code != 409 {
		t.Fatalf("getUpdates calls = %+v", calls)
	}
}

func keyboard(rows ...[]tgbotapi.InlineKeyboardButton) tgbotapi.InlineKeyboardMarkup {
	return tgbotapi.NewInlineKeyboardMarkup(rows...)
}

func TestSendAndEditMessages(t *testing.T) {
	srv := telegramtest.New(t)
	bot := newBot(t, srv)

	cfg := tgbotapi.NewMessage(42, "<b>Hello</b> &amp; welcome")
	cfg.ParseMode = tgbotapi.ModeHTML
	cfg.ReplyMarkup = keyboard(tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData("Yes", "answer:yes"),
		tgbotapi.NewInlineKeyboardButtonURL("Docs", "https://example.org/"),
	))
	sent, err := bot.Send(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if sent.MessageID != 1 || sent.Chat.ID != 42 || sent.Chat.Type != "private" || sent.From.ID != bot.Self.ID ||
		sent.Text != "Hello & welcome" || sent.Date == 0 {
		t.Fatalf("sent = %+v", sent)
	}
	if len(sent.Entities) != 1 || sent.Entities[0].Type != "bold" || sent.Entities[0].Length != 5 {
		t.Fatalf("entities = %+v", sent.Entities)
	}
	if sent.ReplyMarkup == nil || sent.ReplyMarkup.InlineKeyboard[0][0].Text != "Yes" {
		t.Fatalf("reply markup = %+v", sent.ReplyMarkup)
	}
	second, err := bot.Send(tgbotapi.NewMessage(42, "second"))
	if err != nil || second.MessageID != 2 {
		t.Fatalf("second = %+v, %v", second, err)
	}
	other, err := bot.Send(tgbotapi.NewMessage(43, "other chat"))
	if err != nil || other.MessageID != 1 {
		t.Fatalf("message ids are per chat: got %d, %v", other.MessageID, err)
	}

	msgs := srv.Messages(42)
	if len(msgs) != 2 || msgs[0].Text != "Hello & welcome" || msgs[0].RawText != "<b>Hello</b> &amp; welcome" ||
		msgs[0].Keyboard[0][0].CallbackData != "answer:yes" || msgs[0].Keyboard[0][1].URL != "https://example.org/" {
		t.Fatalf("Messages = %+v", msgs)
	}

	tests := []struct {
		name     string
		edit     tgbotapi.Chattable
		wantErr  string
		wantText string
		wantKB   bool
	}{
		{"edit text keeping the keyboard", tgbotapi.NewEditMessageTextAndMarkup(42, 1, "Edited", cfg.ReplyMarkup.(tgbotapi.InlineKeyboardMarkup)), "", "Edited", true},
		{"same text and markup", tgbotapi.NewEditMessageTextAndMarkup(42, 1, "Edited", cfg.ReplyMarkup.(tgbotapi.InlineKeyboardMarkup)), telegramtest.DescNotModified, "Edited", true},
		{"text without markup drops the keyboard", tgbotapi.NewEditMessageText(42, 1, "Edited"), "", "Edited", false},
		{"same again", tgbotapi.NewEditMessageText(42, 1, "Edited"), telegramtest.DescNotModified, "Edited", false},
		{"markup back", tgbotapi.NewEditMessageReplyMarkup(42, 1, keyboard(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("No", "answer:no")))), "", "Edited", true},
		{"unknown message", tgbotapi.NewEditMessageText(42, 99, "x"), telegramtest.DescEditNotFound, "Edited", true},
		{"empty text", tgbotapi.NewEditMessageText(42, 1, ""), telegramtest.DescTextEmpty, "Edited", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := bot.Send(tt.edit)
			if tt.wantErr == "" && err != nil {
				t.Fatal(err)
			}
			if tt.wantErr != "" {
				wantAPIError(t, err, 400, tt.wantErr)
			}
			m, ok := srv.MessageByID(42, 1)
			if !ok || m.Text != tt.wantText || (m.Keyboard != nil) != tt.wantKB {
				t.Fatalf("message = %+v", m)
			}
		})
	}
	if m, _ := srv.MessageByID(42, 1); m.Edits != 3 || m.EditDate.IsZero() {
		t.Fatalf("edits = %d, edit date %v", m.Edits, m.EditDate)
	}
	if got := srv.Sent(42); len(got) != 2 || got[0] != "<b>Hello</b> &amp; welcome" || got[1] != "second" {
		t.Fatalf("Sent = %q", got)
	}

	// A user's message cannot be edited by the bot; deleted messages vanish.
	srv.SendText(42, telegramtest.User{}, "from the user")
	_, err = bot.Send(tgbotapi.NewEditMessageText(42, 3, "hijack"))
	wantAPIError(t, err, 400, telegramtest.DescCantEdit)
	if _, err := bot.Request(tgbotapi.NewDeleteMessage(42, 2)); err != nil {
		t.Fatal(err)
	}
	_, err = bot.Request(tgbotapi.NewDeleteMessage(42, 2))
	wantAPIError(t, err, 400, telegramtest.DescDeleteNotFound)
	if got := srv.Messages(42); len(got) != 1 || got[0].ID != 1 {
		t.Fatalf("Messages after delete = %+v", got)
	}
	if got := srv.History(42); len(got) != 2 || got[1].From.IsBot || got[1].Text != "from the user" {
		t.Fatalf("History = %+v", got)
	}
}

func TestCallbackQueries(t *testing.T) {
	srv := telegramtest.New(t)
	bot := newBot(t, srv)
	srv.SetUser(telegramtest.User{ID: 42, FirstName: "Lea", LanguageCode: "de"})
	cfg := tgbotapi.NewMessage(42, "Pick one")
	cfg.ReplyMarkup = keyboard(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("Yes", "yes")))
	m, err := bot.Send(cfg)
	if err != nil {
		t.Fatal(err)
	}

	_, qid := srv.PressButton(42, m.MessageID, "yes")
	_, forged := srv.PressButton(42, m.MessageID, "not-on-the-keyboard")
	_, stale := srv.PressButton(42, 777, "old")
	_, byText, ok := srv.PressButtonByText(42, m.MessageID, "Yes")
	if !ok {
		t.Fatal("PressButtonByText found no button")
	}
	us, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(us) != 4 {
		t.Fatalf("got %d updates, %v", len(us), err)
	}
	q := us[0].CallbackQuery
	if q == nil || q.ID != qid || q.Data != "yes" || q.From.ID != 42 || q.From.LanguageCode != "de" ||
		q.Message == nil || q.Message.MessageID != m.MessageID || q.Message.Text != "Pick one" ||
		q.Message.ReplyMarkup == nil || q.Message.ReplyMarkup.InlineKeyboard[0][0].Text != "Yes" {
		t.Fatalf("callback query = %+v", q)
	}
	if us[1].CallbackQuery.Data != "not-on-the-keyboard" || us[2].CallbackQuery.Message.Date != 0 || us[3].CallbackQuery.Data != "yes" {
		t.Fatalf("forged/stale presses = %+v %+v %+v", us[1].CallbackQuery, us[2].CallbackQuery, us[3].CallbackQuery)
	}

	tests := []struct {
		name    string
		cfg     tgbotapi.CallbackConfig
		wantErr string
	}{
		{"answer", tgbotapi.NewCallback(qid, "Saved"), ""},
		{"answer twice", tgbotapi.NewCallback(qid, "Again"), telegramtest.DescQueryInvalid},
		{"unknown id", tgbotapi.NewCallback("12345", ""), telegramtest.DescQueryInvalid},
		{"text too long", tgbotapi.NewCallback(forged, strings.Repeat("x", 201)), "Bad Request: MESSAGE_TOO_LONG"},
		{"alert of 200 characters", tgbotapi.NewCallbackWithAlert(forged, strings.Repeat("ä", 200)), ""},
		{"stale message", tgbotapi.NewCallback(stale, ""), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := bot.Request(tt.cfg)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantAPIError(t, err, 400, tt.wantErr)
		})
	}
	if a, ok := srv.Answer(qid); !ok || a.Text != "Saved" {
		t.Fatalf("Answer = %+v, %v", a, ok)
	}
	if a, _ := srv.Answer(forged); !a.ShowAlert {
		t.Fatalf("forged answer = %+v", a)
	}
	if got := srv.Unanswered(); len(got) != 1 || got[0] != byText {
		t.Fatalf("Unanswered = %v, want [%s]", got, byText)
	}
	if !srv.Answered(stale) || srv.Answered(byText) {
		t.Fatal("Answered is wrong")
	}
}

func TestQueryTimeout(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	srv := telegramtest.New(t, telegramtest.WithClock(clock), telegramtest.WithQueryTimeout(15*time.Second))
	bot := newBot(t, srv)
	_, q1 := srv.PressButton(1, 1, "a")
	_, q2 := srv.PressButton(1, 1, "b")
	if _, err := bot.Request(tgbotapi.NewCallback(q1, "")); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	now = now.Add(16 * time.Second)
	mu.Unlock()
	_, err := bot.Request(tgbotapi.NewCallback(q2, ""))
	wantAPIError(t, err, 400, telegramtest.DescQueryInvalid)
}

func TestFaultsSurfaceAsAPIErrors(t *testing.T) {
	tests := []struct {
		name       string
		fault      telegramtest.Fault
		code       int
		retryAfter int
		desc       string
	}{
		{"429", telegramtest.TooManyRequests(7), 429, 7, "Too Many Requests: retry after 7"},
		{"403", telegramtest.BotBlocked(), 403, 0, telegramtest.DescBlocked},
		{"409", telegramtest.Conflict(), 409, 0, telegramtest.DescConflict},
		{"401", telegramtest.Unauthorized(), 401, 0, "Unauthorized"},
		{"500", telegramtest.InternalServerError(), 500, 0, "Internal Server Error"},
		{"502", telegramtest.BadGateway(), 502, 0, "Bad Gateway"},
		{"custom", telegramtest.Fault{Code: 403, Description: "Forbidden: user is deactivated"}, 403, 0, "Forbidden: user is deactivated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := telegramtest.New(t)
			bot := newBot(t, srv)
			srv.FailNext("sendMessage", tt.fault)
			_, err := bot.Send(tgbotapi.NewMessage(1, "hi"))
			e := apiError(t, err)
			if e.Code != tt.code || e.RetryAfter != tt.retryAfter || e.Message != tt.desc {
				t.Fatalf("got %d %q retry_after=%d", e.Code, e.Message, e.RetryAfter)
			}
			if len(srv.Messages(1)) != 0 {
				t.Fatal("a failed send was stored")
			}
			if _, err := bot.Send(tgbotapi.NewMessage(1, "again")); err != nil {
				t.Fatalf("the fault fired twice: %v", err)
			}
			calls := srv.CallsTo("sendMessage")
			if len(calls) != 2 || calls[0].Code != tt.code || !calls[0].Injected || calls[1].Code != 200 {
				t.Fatalf("calls = %+v", calls)
			}
		})
	}
}

func TestNetworkFaults(t *testing.T) {
	srv := telegramtest.New(t)
	bot := newBot(t, srv)
	var e *tgbotapi.Error

	srv.FailNext("sendMessage", telegramtest.DropConnection())
	if _, err := bot.Send(tgbotapi.NewMessage(1, "a")); err == nil || errors.As(err, &e) {
		t.Fatalf("dropped connection gave %v", err)
	}
	srv.FailNext("sendMessage", telegramtest.BadGatewayHTML())
	if _, err := bot.Send(tgbotapi.NewMessage(1, "b")); err == nil || errors.As(err, &e) {
		t.Fatalf("HTML 502 gave %v", err)
	}
	if len(srv.Messages(1)) != 0 {
		t.Fatal("failed sends were stored")
	}

	// Applied: Telegram acted but the answer was lost.
	srv.FailNext("sendMessage", telegramtest.Fault{Drop: true, Applied: true})
	if _, err := bot.Send(tgbotapi.NewMessage(1, "c")); err == nil {
		t.Fatal("no error")
	}
	if got := srv.Sent(1); len(got) != 1 || got[0] != "c" {
		t.Fatalf("Sent = %q", got)
	}

	// "*" matches any method; a method's own queue goes first.
	srv.FailNext("*", telegramtest.InternalServerError())
	srv.FailNext("getMe", telegramtest.TooManyRequests(3))
	_, err := bot.GetMe()
	wantAPIError(t, err, 429, "Too Many Requests")
	_, err = bot.GetMe()
	wantAPIError(t, err, 500, "Internal Server Error")
	if _, err := bot.GetMe(); err != nil || srv.PendingFaults() != 0 {
		t.Fatalf("faults left: %v, %d", err, srv.PendingFaults())
	}

	start := time.Now()
	srv.FailNext("getMe", telegramtest.Slow(300*time.Millisecond))
	if _, err := bot.GetMe(); err != nil || time.Since(start) < 300*time.Millisecond {
		t.Fatalf("slow call: %v after %v", err, time.Since(start))
	}
}

func TestBlockAndKick(t *testing.T) {
	srv := telegramtest.New(t)
	bot := newBot(t, srv)
	srv.Block(7)
	_, err := bot.Send(tgbotapi.NewMessage(7, "hi"))
	wantAPIError(t, err, 403, telegramtest.DescBlocked)
	_, err = bot.Request(tgbotapi.NewChatAction(7, tgbotapi.ChatTyping))
	wantAPIError(t, err, 403, telegramtest.DescBlocked)
	if _, err := bot.Send(tgbotapi.NewMessage(8, "other chat")); err != nil {
		t.Fatal(err)
	}
	srv.Unblock(7)
	if _, err := bot.Send(tgbotapi.NewMessage(7, "hi")); err != nil {
		t.Fatal(err)
	}

	id := srv.Kick(7)
	us, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(us) != 1 || us[0].UpdateID != id {
		t.Fatalf("updates %v, %v", us, err)
	}
	mcm := us[0].MyChatMember
	if mcm == nil || mcm.Chat.ID != 7 || mcm.NewChatMember.Status != "kicked" || mcm.OldChatMember.Status != "member" ||
		mcm.NewChatMember.User.ID != bot.Self.ID {
		t.Fatalf("my_chat_member = %+v", mcm)
	}
	_, err = bot.Send(tgbotapi.NewMessage(7, "still there?"))
	wantAPIError(t, err, 403, telegramtest.DescBlocked)
	srv.Unkick(7)
	if _, err := bot.Send(tgbotapi.NewMessage(7, "welcome back")); err != nil {
		t.Fatal(err)
	}

	srv.Block(-100)
	_, err = bot.Send(tgbotapi.NewMessage(-100, "hi group"))
	wantAPIError(t, err, 403, telegramtest.DescKickedFromGroup)
}

func TestUnknownAndUnfakedMethods(t *testing.T) {
	srv := telegramtest.New(t, telegramtest.WithLogf(nil))
	bot := newBot(t, srv)
	_, err := bot.MakeRequest("sendTelepathy", nil)
	wantAPIError(t, err, 404, "Not Found")
	_, err = bot.MakeRequest("sendPhoto", tgbotapi.Params{"chat_id": "1", "photo": "https://example.org/cat.jpg"})
	wantAPIError(t, err, 501, "Not Implemented")
	// Method names are case-insensitive.
	if _, err := bot.MakeRequest("SENDMESSAGE", tgbotapi.Params{"chat_id": "1", "text": "hi"}); err != nil {
		t.Fatal(err)
	}
	if got := srv.CallsTo("sendMessage"); len(got) != 1 || got[0].Method != "sendMessage" {
		t.Fatalf("calls = %+v", got)
	}
	resp, err := http.Get(srv.URL() + "/nothing-here")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

func TestRejectsWhatTelegramRejects(t *testing.T) {
	long := strings.Repeat("x", 4097)
	data := func(d string) tgbotapi.Chattable {
		cfg := tgbotapi.NewMessage(1, "buttons")
		cfg.ReplyMarkup = keyboard(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("b", d)))
		return cfg
	}
	html := func(text string) tgbotapi.Chattable {
		cfg := tgbotapi.NewMessage(1, text)
		cfg.ParseMode = tgbotapi.ModeHTML
		return cfg
	}
	tests := []struct {
		name    string
		send    func(*tgbotapi.BotAPI) error
		code    int
		wantErr string // prefix; "" means success
	}{
		{"unknown parameter", makeRequest("sendMessage", tgbotapi.Params{"chat_id": "1", "text": "x", "colour": "red"}), 400, `Bad Request: unknown parameter "colour"`},
		{"missing chat_id", makeRequest("sendMessage", tgbotapi.Params{"text": "x"}), 400, "Bad Request: chat_id is empty"},
		{"missing text", send(tgbotapi.NewMessage(1, "")), 400, telegramtest.DescTextEmpty},
		{"missing required parameter", makeRequest("answerCallbackQuery", nil), 400, `Bad Request: parameter "callback_query_id" is required`},
		{"integer expected", makeRequest("getUpdates", tgbotapi.Params{"offset": "soon"}), 400, `Bad Request: parameter "offset" must be of type Integer`},
		{"bad JSON", makeRequest("sendMessage", tgbotapi.Params{"chat_id": "1", "text": "x", "reply_markup": "{nope"}), 400, "Bad Request: can't parse reply_markup JSON object"},
		{"chat by username", send(tgbotapi.NewMessageToChannel("@nowhere", "x")), 400, telegramtest.DescChatNotFound},
		{"text of 4096", send(tgbotapi.NewMessage(1, long[:4096])), 0, ""},
		{"text of 4097", send(tgbotapi.NewMessage(1, long)), 400, telegramtest.DescMessageTooLong},
		{"length counts UTF-16 units", send(tgbotapi.NewMessage(1, strings.Repeat("😀", 2049))), 400, telegramtest.DescMessageTooLong},
		{"length counts after HTML parsing", send(html("<b>" + long[:4096] + "</b>")), 0, ""},
		{"callback_data of 64 bytes", send(data(strings.Repeat("d", 64))), 0, ""},
		{"callback_data of 65 bytes", send(data(strings.Repeat("d", 65))), 400, telegramtest.DescButtonDataBad},
		{"callback_data counts bytes", send(data(strings.Repeat("ж", 33))), 400, telegramtest.DescButtonDataBad},
		{"empty callback_data", send(data("")), 400, telegramtest.DescButtonDataBad},
		{"valid HTML", send(html(`<b>a</b> <i>b</i> <a href="https://x.org">c</a> <tg-spoiler>d</tg-spoiler> <code>e</code> 1 &lt; 2`)), 0, ""},
		{"unsupported tag", send(html("line<br>break")), 400, `Bad Request: can't parse entities: Unsupported start tag "br" at byte offset 4`},
		{"unclosed tag", send(html("<b>bold")), 400, `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "b"`},
		{"crossed tags", send(html("<b><i>x</b></i>")), 400, `Bad Request: can't parse entities: Unmatched end tag at byte offset 7, expected "</i>", found "</b>"`},
		{"bare less-than", send(html("1 < 2")), 400, `Bad Request: can't parse entities: Unsupported start tag "" at byte offset 2`},
		{"unknown parse mode", send(tgbotapi.MessageConfig{BaseChat: tgbotapi.BaseChat{ChatID: 1}, Text: "x", ParseMode: "html5"}), 400, telegramtest.DescUnsupportedParse},
		{"bad chat action", send(tgbotapi.NewChatAction(1, "dancing")), 400, "Bad Request: wrong parameter action in request"},
		{"too many buttons", send(func() tgbotapi.Chattable {
			var rows [][]tgbotapi.InlineKeyboardButton
			for i := 0; i < 101; i++ {
				rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("b", "d")))
			}
			cfg := tgbotapi.NewMessage(1, "x")
			cfg.ReplyMarkup = tgbotapi.NewInlineKeyboardMarkup(rows...)
			return cfg
		}()), 400, "Bad Request: reply markup is too long"},
		{"reply to a missing message", send(func() tgbotapi.Chattable {
			cfg := tgbotapi.NewMessage(1, "x")
			cfg.ReplyToMessageID = 999
			return cfg
		}()), 400, telegramtest.DescReplyNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := telegramtest.New(t, telegramtest.WithLogf(nil))
			err := tt.send(newBot(t, srv))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			wantAPIError(t, err, tt.code, tt.wantErr)
		})
	}
}

func send(c tgbotapi.Chattable) func(*tgbotapi.BotAPI) error {
	return func(b *tgbotapi.BotAPI) error { _, err := b.Request(c); return err }
}

func makeRequest(method string, p tgbotapi.Params) func(*tgbotapi.BotAPI) error {
	return func(b *tgbotapi.BotAPI) error { _, err := b.MakeRequest(method, p); return err }
}

func TestLenientParams(t *testing.T) {
	srv := telegramtest.New(t, telegramtest.WithLenientParams())
	bot := newBot(t, srv)
	if _, err := bot.MakeRequest("sendMessage", tgbotapi.Params{"chat_id": "1", "text": "x", "colour": "red"}); err != nil {
		t.Fatal(err)
	}
}

func TestStrictChats(t *testing.T) {
	srv := telegramtest.New(t, telegramtest.WithStrictChats())
	bot := newBot(t, srv)
	_, err := bot.Send(tgbotapi.NewMessage(5, "cold call"))
	wantAPIError(t, err, 400, telegramtest.DescChatNotFound)
	srv.SendText(5, telegramtest.User{}, "/start")
	if _, err := bot.Send(tgbotapi.NewMessage(5, "hello")); err != nil {
		t.Fatal(err)
	}
}

func TestCommandsPerLanguage(t *testing.T) {
	srv := telegramtest.New(t)
	bot := newBot(t, srv)
	def := tgbotapi.NewBotCommandScopeDefault()
	set := func(lang string, cmds ...tgbotapi.BotCommand) error {
		_, err := bot.Request(tgbotapi.NewSetMyCommandsWithScopeAndLanguage(def, lang, cmds...))
		return err
	}
	if err := set("", tgbotapi.BotCommand{Command: "start", Description: "Start"}, tgbotapi.BotCommand{Command: "help", Description: "Help"}); err != nil {
		t.Fatal(err)
	}
	if err := set("de", tgbotapi.BotCommand{Command: "start", Description: "Beginnen"}); err != nil {
		t.Fatal(err)
	}
	if _, err := bot.Request(tgbotapi.NewSetMyCommandsWithScope(tgbotapi.NewBotCommandScopeChat(42), tgbotapi.BotCommand{Command: "admin", Description: "Only here"})); err != nil {
		t.Fatal(err)
	}

	if got := srv.Commands("de"); len(got) != 1 || got[0].Description != "Beginnen" {
		t.Fatalf("Commands(de) = %+v", got)
	}
	if got := srv.Commands(""); len(got) != 2 || got[1].Command != "help" {
		t.Fatalf("Commands() = %+v", got)
	}
	if got := srv.Commands("ar"); got != nil {
		t.Fatalf("Commands(ar) = %+v", got)
	}
	got, err := bot.GetMyCommandsWithConfig(tgbotapi.NewGetMyCommandsWithScopeAndLanguage(def, "de"))
	if err != nil || len(got) != 1 || got[0].Description != "Beginnen" {
		t.Fatalf("getMyCommands(de) = %+v, %v", got, err)
	}
	if got, err := bot.GetMyCommandsWithConfig(tgbotapi.NewGetMyCommandsWithScopeAndLanguage(def, "uk")); err != nil || len(got) != 0 {
		t.Fatalf("getMyCommands(uk) = %+v, %v", got, err)
	}
	if got := srv.VisibleCommands(7, "de"); len(got) != 1 || got[0].Description != "Beginnen" {
		t.Fatalf("VisibleCommands(7, de) = %+v", got)
	}
	if got := srv.VisibleCommands(7, "fa"); len(got) != 2 {
		t.Fatalf("VisibleCommands(7, fa) = %+v", got)
	}
	if got := srv.VisibleCommands(42, "de"); len(got) != 1 || got[0].Command != "admin" {
		t.Fatalf("VisibleCommands(42, de) = %+v", got)
	}

	for _, bad := range []tgbotapi.BotCommand{
		{Command: "Start", Description: "upper case"},
		{Command: "", Description: "empty"},
		{Command: strings.Repeat("a", 33), Description: "too long"},
		{Command: "ok", Description: ""},
		{Command: "ok", Description: strings.Repeat("d", 257)},
	} {
		if err := set("en", bad); err == nil {
			t.Errorf("command %+v accepted", bad)
		} else {
			apiError(t, err)
		}
	}
	_, err = bot.Request(tgbotapi.NewSetMyCommandsWithScopeAndLanguage(def, "deu", tgbotapi.BotCommand{Command: "a", Description: "b"}))
	wantAPIError(t, err, 400, "Bad Request")

	if _, err := bot.Request(tgbotapi.NewDeleteMyCommandsWithScopeAndLanguage(def, "de")); err != nil {
		t.Fatal(err)
	}
	if got := srv.Commands("de"); got != nil {
		t.Fatalf("after delete: %+v", got)
	}
}

func TestDescriptions(t *testing.T) {
	srv := telegramtest.New(t)
	bot := newBot(t, srv)
	tests := []struct {
		method, param, lang, value string
		ok                         bool
	}{
		{"setMyDescription", "description", "de", "Ich helfe dir.", true},
		{"setMyDescription", "description", "", strings.Repeat("d", 512), true},
		{"setMyDescription", "description", "en", strings.Repeat("d", 513), false},
		{"setMyShortDescription", "short_description", "de", "Hilfe", true},
		{"setMyShortDescription", "short_description", "de", strings.Repeat("s", 121), false},
		{"setMyName", "name", "ar", "مرشد", true},
	}
	for _, tt := range tests {
		_, err := bot.MakeRequest(tt.method, tgbotapi.Params{tt.param: tt.value, "language_code": tt.lang})
		if (err == nil) != tt.ok {
			t.Errorf("%s(%s, %d chars): err = %v", tt.method, tt.lang, len(tt.value), err)
		}
	}
	if srv.Description("de") != "Ich helfe dir." || len(srv.Description("")) != 512 || srv.Description("en") != "" ||
		srv.ShortDescription("de") != "Hilfe" || srv.Name("ar") != "مرشد" {
		t.Fatal("stored descriptions are wrong")
	}
	resp, err := bot.MakeRequest("getMyShortDescription", tgbotapi.Params{"language_code": "de"})
	if err != nil || string(resp.Result) != `{"short_description":"Hilfe"}` {
		t.Fatalf("getMyShortDescription = %s, %v", resp.Result, err)
	}
}

func TestUserSideUpdates(t *testing.T) {
	srv := telegramtest.New(t)
	bot := newBot(t, srv)
	ids := []int{
		srv.SendText(42, telegramtest.User{FirstName: "Amir", LanguageCode: "fa"}, "/start@lotse_test_bot ref_123"),
		srv.SendText(42, telegramtest.User{}, "plain text"),
		srv.SendGroupText(300, telegramtest.User{ID: 9, FirstName: "Grp"}, "/help"),
		srv.SendSticker(42, telegramtest.User{}, "👍"),
		srv.SendPhoto(42, telegramtest.User{}, "my certificate"),
		srv.SendVoice(42, telegramtest.User{}, 3),
		srv.SendDocument(42, telegramtest.User{}, "zeugnis.pdf", "application/pdf"),
		srv.SendLocation(42, telegramtest.User{}, 52.13, 11.62),
		srv.EditText(42, 2, "edited text"),
	}
	custom, err := srv.AddUpdate(map[string]any{"message": map[string]any{
		"message_id": 500, "date": 1, "chat": map[string]any{"id": 77, "type": "private"}, "text": "raw",
	}})
	if err != nil {
		t.Fatal(err)
	}
	ids = append(ids, custom)
	for i, id := range ids {
		if id != i+1 {
			t.Fatalf("update ids = %v", ids)
		}
	}
	us, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(us) != len(ids) {
		t.Fatalf("got %d updates, %v", len(us), err)
	}
	start := us[0].Message
	if !start.IsCommand() || start.Command() != "start" || start.CommandArguments() != "ref_123" ||
		start.From.ID != 42 || start.From.LanguageCode != "fa" || start.Chat.Type != "private" || start.MessageID != 1 {
		t.Fatalf("start = %+v", start)
	}
	if m := us[1].Message; m.IsCommand() || m.From.FirstName != "Amir" || m.MessageID != 2 {
		t.Fatalf("plain = %+v (the chat's user should be remembered)", m)
	}
	if g := us[2].Message; g.Chat.ID != -300 || g.Chat.Type != "group" || g.From.ID != 9 || g.Command() != "help" {
		t.Fatalf("group = %+v %+v", g, g.Chat)
	}
	if m := us[3].Message; m.Sticker == nil || m.Sticker.Emoji != "👍" || m.Sticker.FileID == "" {
		t.Fatalf("sticker = %+v", m.Sticker)
	}
	if m := us[4].Message; len(m.Photo) != 2 || m.Caption != "my certificate" {
		t.Fatalf("photo = %+v", m)
	}
	if m := us[5].Message; m.Voice == nil || m.Voice.Duration != 3 {
		t.Fatalf("voice = %+v", m.Voice)
	}
	if m := us[6].Message; m.Document == nil || m.Document.FileName != "zeugnis.pdf" {
		t.Fatalf("document = %+v", m.Document)
	}
	if m := us[7].Message; m.Location == nil || m.Location.Latitude != 52.13 {
		t.Fatalf("location = %+v", m.Location)
	}
	if m := us[8].EditedMessage; m == nil || m.MessageID != 2 || m.Text != "edited text" || m.EditDate == 0 {
		t.Fatalf("edited = %+v", m)
	}
	if m := us[9].Message; m == nil || m.MessageID != 500 || m.Text != "raw" {
		t.Fatalf("custom = %+v", m)
	}
	if srv.EditText(42, 999, "x") != 0 {
		t.Fatal("EditText of a missing message queued an update")
	}
}

func TestRedeliver(t *testing.T) {
	srv := telegramtest.New(t)
	bot := newBot(t, srv)
	id := srv.SendText(1, telegramtest.User{}, "once")
	us, _ := bot.GetUpdates(tgbotapi.UpdateConfig{})
	if len(us) != 1 {
		t.Fatalf("got %d updates", len(us))
	}
	if _, err := bot.GetUpdates(tgbotapi.UpdateConfig{Offset: id + 1}); err != nil {
		t.Fatal(err)
	}
	if !srv.Acked(id) || !srv.Redeliver(id) || srv.Redeliver(id+100) {
		t.Fatal("Acked/Redeliver")
	}
	us, _ = bot.GetUpdates(tgbotapi.UpdateConfig{Offset: id + 1})
	if len(us) != 1 || us[0].UpdateID != id || us[0].Message.Text != "once" {
		t.Fatalf("redelivered = %+v", us)
	}
	if us, _ = bot.GetUpdates(tgbotapi.UpdateConfig{Offset: id + 1}); len(us) != 0 {
		t.Fatalf("redelivered twice: %+v", us)
	}
}

func TestAllowedUpdates(t *testing.T) {
	srv := telegramtest.New(t)
	bot := newBot(t, srv)
	if _, err := bot.GetUpdates(tgbotapi.UpdateConfig{AllowedUpdates: []string{"callback_query"}}); err != nil {
		t.Fatal(err)
	}
	srv.SendText(1, telegramtest.User{}, "filtered out")
	_, qid := srv.PressButton(1, 1, "kept")
	// allowed_updates persists when the next call omits it.
	us, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(us) != 1 || us[0].CallbackQuery == nil || us[0].CallbackQuery.ID != qid {
		t.Fatalf("got %+v, %v", us, err)
	}
	// chat_member is excluded by default.
	if _, err := bot.GetUpdates(tgbotapi.UpdateConfig{Offset: us[0].UpdateID + 1, AllowedUpdates: []string{}}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.AddUpdate(`{"chat_member":{"chat":{"id":1,"type":"private"}}}`); err != nil {
		t.Fatal(err)
	}
	srv.SendText(1, telegramtest.User{}, "delivered")
	us, _ = bot.GetUpdates(tgbotapi.UpdateConfig{})
	if len(us) != 1 || us[0].Message == nil || us[0].Message.Text != "delivered" {
		t.Fatalf("got %+v", us)
	}
}

func TestJSONAndQueryStringRequests(t *testing.T) {
	srv := telegramtest.New(t)
	base := srv.URL() + "/bot" + srv.Token() + "/"
	body := `{"chat_id":5,"text":"json","reply_markup":{"inline_keyboard":[[{"text":"a","callback_data":"b"}]]}}`
	resp, err := http.Post(base+"sendMessage", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = http.Get(base + "sendMessage?" + url.Values{"chat_id": {"5"}, "text": {"query"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	msgs := srv.Messages(5)
	if len(msgs) != 2 || msgs[0].Text != "json" || msgs[0].Keyboard[0][0].CallbackData != "b" || msgs[1].Text != "query" {
		t.Fatalf("Messages = %+v", msgs)
	}
	if got := string(msgs[0].ReplyMarkup); got != `{"inline_keyboard":[[{"callback_data":"b","text":"a"}]]}` {
		t.Fatalf("ReplyMarkup = %s", got)
	}

	srv.FailNext("sendMessage", telegramtest.TooManyRequests(9))
	resp, err = http.Post(base+"sendMessage", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 9","parameters":{"retry_after":9}}`
	if resp.StatusCode != 429 || string(raw) != want {
		t.Fatalf("got %d %s", resp.StatusCode, raw)
	}
}

func TestFloodLimits(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	srv := telegramtest.New(t, telegramtest.WithClock(clock), telegramtest.WithLimits(telegramtest.Limits{
		PerChat: telegramtest.Rate{Count: 1, Per: time.Second, Burst: 2},
		Global:  telegramtest.Rate{Count: 3, Per: time.Second},
	}))
	bot := newBot(t, srv)
	sendTo := func(chat int64) error { _, err := bot.Send(tgbotapi.NewMessage(chat, "x")); return err }
	for i := 0; i < 2; i++ {
		if err := sendTo(1); err != nil {
			t.Fatal(err)
		}
	}
	e := apiError(t, sendTo(1))
	if e.Code != 429 || e.RetryAfter != 1 {
		t.Fatalf("got %d retry_after=%d", e.Code, e.RetryAfter)
	}
	if err := sendTo(2); err != nil { // other chats are not limited by chat 1
		t.Fatal(err)
	}
	if e := apiError(t, sendTo(3)); e.Code != 429 { // but the global limit is reached
		t.Fatalf("global limit: %d", e.Code)
	}
	mu.Lock()
	now = now.Add(time.Second)
	mu.Unlock()
	if err := sendTo(1); err != nil {
		t.Fatalf("after waiting: %v", err)
	}
}

func TestWaitForMessages(t *testing.T) {
	srv := telegramtest.New(t)
	bot := newBot(t, srv)
	go func() {
		for i := 0; i < 3; i++ {
			time.Sleep(20 * time.Millisecond)
			if _, err := bot.Send(tgbotapi.NewMessage(9, fmt.Sprint("n", i))); err != nil {
				t.Error(err)
			}
		}
	}()
	msgs, ok := srv.WaitForMessages(9, 3, 10*time.Second)
	if !ok || len(msgs) != 3 || msgs[2].Text != "n2" {
		t.Fatalf("got %+v, %v", msgs, ok)
	}
	if _, ok := srv.WaitForMessages(9, 4, 50*time.Millisecond); ok {
		t.Fatal("WaitForMessages reported a message that was never sent")
	}
	if calls, ok := srv.WaitForCalls("sendMessage", 3, time.Second); !ok || len(calls) != 3 || calls[0].ChatID != 9 {
		t.Fatalf("WaitForCalls = %+v, %v", calls, ok)
	}
}

func TestStartWithoutTB(t *testing.T) {
	srv, err := telegramtest.Start("127.0.0.1:0", "55:LOAD")
	if err != nil {
		t.Fatal(err)
	}
	bot, err := tgbotapi.NewBotAPIWithAPIEndpoint("55:LOAD", srv.Endpoint())
	if err != nil || bot.Self.ID != 55 {
		t.Fatalf("bot = %+v, %v", bot, err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 30})
		done <- err
	}()
	srv.WaitFor(5*time.Second, srv.Polling)
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the pending poll should end cleanly: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close left the long poll hanging")
	}
	if _, err := bot.GetMe(); err == nil {
		t.Fatal("the server still answers after Close")
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestManyChatsEcho runs an echo bot on the real client against many
// concurrent chats and checks that every chat sees its replies in order.
func TestManyChatsEcho(t *testing.T) {
	const chats, perChat = 50, 40
	srv := telegramtest.New(t, telegramtest.WithMaxCalls(1000))
	bot := newBot(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var wg sync.WaitGroup
	work := make(map[int64]chan string, chats)
	for c := int64(1); c <= chats; c++ {
		ch := make(chan string, perChat)
		work[c] = ch
		wg.Add(1)
		go func(chat int64) { // one worker per chat keeps replies in order
			defer wg.Done()
			for text := range ch {
				if _, err := bot.Send(tgbotapi.NewMessage(chat, "echo: "+text)); err != nil {
					t.Error(err)
				}
			}
		}(c)
	}
	pollDone := make(chan struct{})
	go func() {
		defer close(pollDone)
		offset := 0
		for ctx.Err() == nil {
			us, err := bot.GetUpdates(tgbotapi.UpdateConfig{Offset: offset, Timeout: 1})
			if err != nil {
				t.Error(err)
				return
			}
			for _, u := range us {
				offset = u.UpdateID + 1
				work[u.Message.Chat.ID] <- u.Message.Text
			}
		}
	}()

	start := time.Now()
	var senders sync.WaitGroup
	for c := int64(1); c <= chats; c++ {
		senders.Add(1)
		go func(chat int64) {
			defer senders.Done()
			for i := 0; i < perChat; i++ {
				srv.SendText(chat, telegramtest.User{}, fmt.Sprint(i))
			}
		}(c)
	}
	senders.Wait()
	ok := srv.WaitFor(60*time.Second, func() bool { return srv.CallCount("sendMessage") >= chats*perChat })
	cancel()
	<-pollDone
	for _, ch := range work {
		close(ch)
	}
	wg.Wait()
	if !ok {
		t.Fatalf("only %d of %d replies arrived", srv.CallCount("sendMessage"), chats*perChat)
	}
	t.Logf("%d updates answered in %v", chats*perChat, time.Since(start))
	for c := int64(1); c <= chats; c++ {
		sent := srv.Sent(c)
		if len(sent) != perChat {
			t.Fatalf("chat %d got %d replies", c, len(sent))
		}
		for i, s := range sent {
			if s != fmt.Sprint("echo: ", i) {
				t.Fatalf("chat %d reply %d = %q", c, i, s)
			}
		}
	}
	if n := len(srv.Calls()); n > 2000 {
		t.Fatalf("WithMaxCalls kept %d calls", n)
	}
}

// BenchmarkSendMessage measures the server's sendMessage throughput over
// HTTP with many concurrent chats.
func BenchmarkSendMessage(b *testing.B) {
	srv := telegramtest.New(b, telegramtest.WithMaxCalls(10000))
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	endpoint := srv.URL() + "/bot" + srv.Token() + "/sendMessage"
	var chat atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		id := chat.Add(1)
		form := url.Values{"chat_id": {fmt.Sprint(id)}, "text": {"<b>hello</b> there"}, "parse_mode": {"HTML"},
			"reply_markup": {`{"inline_keyboard":[[{"text":"a","callback_data":"b"}]]}`}}.Encode()
		for pb.Next() {
			resp, err := client.Post(endpoint, "application/x-www-form-urlencoded", strings.NewReader(form))
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
}

// BenchmarkUpdateRoundTrip measures queueing an update and fetching it
// with getUpdates.
func BenchmarkUpdateRoundTrip(b *testing.B) {
	srv := telegramtest.New(b, telegramtest.WithMaxCalls(10000))
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	endpoint := srv.URL() + "/bot" + srv.Token() + "/getUpdates"
	offset := 0
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		id := srv.SendText(int64(i%100+1), telegramtest.User{}, "hello")
		if i%100 != 99 && i != b.N-1 {
			continue
		}
		resp, err := client.PostForm(endpoint, url.Values{"offset": {fmt.Sprint(offset)}})
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		offset = id + 1
	}
}
