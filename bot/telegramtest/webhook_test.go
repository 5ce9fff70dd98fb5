package telegramtest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"lotse/bot/telegramtest"
)

const waitLong = 5 * time.Second

// post is one webhook request as a receiver saw it.
type post struct {
	UpdateID    int
	ChatID      int64
	Kind        string // "message", "my_chat_member", …
	Secret      string
	ContentType string
}

// receiver is an httptest webhook endpoint that decodes updates with the
// real client's HandleUpdate and answers with whatever answer returns
// (200 when nil).
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	answer func(p post, attempt int) int
	delay  time.Duration

	mu          sync.Mutex
	posts       []post
	attempts    map[int]int
	inChat      map[int64]int
	inFlight    int
	maxInFlight int
	overlap     bool // two POSTs of one chat overlapped
}

func newReceiver(t *testing.T, answer func(p post, attempt int) int) *receiver {
	rc := &receiver{t: t, answer: answer, attempts: map[int]int{}, inChat: map[int64]int{}}
	var bot tgbotapi.BotAPI // HandleUpdate needs no token or connection
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := bot.HandleUpdate(r)
		if err != nil {
			t.Errorf("receiver: %v", err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		p := post{UpdateID: u.UpdateID, Secret: r.Header.Get(telegramtest.SecretTokenHeader), ContentType: r.Header.Get("Content-Type")}
		switch {
		case u.Message != nil:
			p.Kind, p.ChatID = "message", u.Message.Chat.ID
		case u.EditedMessage != nil:
			p.Kind, p.ChatID = "edited_message", u.EditedMessage.Chat.ID
		case u.MyChatMember != nil:
			p.Kind, p.ChatID = "my_chat_member", u.MyChatMember.Chat.ID
		case u.CallbackQuery != nil:
			p.Kind, p.ChatID = "callback_query", u.CallbackQuery.Message.Chat.ID
		}
		rc.mu.Lock()
		rc.posts = append(rc.posts, p)
		rc.attempts[p.UpdateID]++
		attempt := rc.attempts[p.UpdateID]
		rc.inChat[p.ChatID]++
		if rc.inChat[p.ChatID] > 1 {
			rc.overlap = true
		}
		rc.inFlight++
		rc.maxInFlight = max(rc.maxInFlight, rc.inFlight)
		rc.mu.Unlock()

		if rc.delay > 0 {
			time.Sleep(rc.delay)
		}
		code := http.StatusOK
		if rc.answer != nil {
			code = rc.answer(p, attempt)
		}

		rc.mu.Lock()
		rc.inChat[p.ChatID]--
		rc.inFlight--
		rc.mu.Unlock()
		if code == -1 { // drop the connection
			panic(http.ErrAbortHandler)
		}
		if code >= 300 && code < 400 {
			w.Header().Set("Location", "/elsewhere")
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) Posts() []post {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]post(nil), rc.posts...)
}

// setWebhook sets a webhook with the real client's MakeRequest, as the bot
// does (v5.5.1's WebhookConfig has no secret_token).
func setWebhook(t *testing.T, bot *tgbotapi.BotAPI, url, secret string, allowed []string, maxConn int) {
	t.Helper()
	params := tgbotapi.Params{"url": url}
	params.AddNonEmpty("secret_token", secret)
	params.AddNonZero("max_connections", maxConn)
	if allowed != nil {
		if err := params.AddInterface("allowed_updates", allowed); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := bot.MakeRequest("setWebhook", params)
	if err != nil {
		t.Fatalf("setWebhook: %v", err)
	}
	if string(resp.Result) != "true" {
		t.Fatalf("setWebhook result %s", resp.Result)
	}
}

func waitAcked(t *testing.T, srv *telegramtest.Server, ids ...int) {
	t.Helper()
	ok := srv.WaitFor(waitLong, func() bool {
		for _, id := range ids {
			if !srv.Acked(id) {
				return false
			}
		}
		return true
	})
	if !ok {
		t.Fatalf("updates %v not all acked; pending %d, deliveries %+v", ids, srv.Pending(), srv.WebhookDeliveries())
	}
}

func TestWebhookDeliversInOrder(t *testing.T) {
	tests := []struct {
		name    string
		maxConn int // 0: the default, 40
		chats   int
		perChat int
	}{
		{"one connection", 1, 3, 4},
		{"default connections", 0, 8, 5},
		{"two connections many chats", 2, 10, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := telegramtest.New(t)
			bot := newBot(t, srv)
			rc := newReceiver(t, nil)
			rc.delay = 5 * time.Millisecond // make overlaps likely if the server allowed them
			const secret = "s3cr3t_-TOKEN"
			setWebhook(t, bot, rc.srv.URL+"/hook", secret, nil, tt.maxConn)

			if url, sec, ok := srv.Webhook(); !ok || url != rc.srv.URL+"/hook" || sec != secret {
				t.Fatalf("Webhook() = %q, %q, %v", url, sec, ok)
			}
			want := map[int64][]int{}
			var all []int
			for i := range tt.perChat {
				for c := range tt.chats {
					chat := int64(100 + c)
					id := srv.SendText(chat, telegramtest.User{}, fmt.Sprintf("msg %d", i))
					want[chat] = append(want[chat], id)
					all = append(all, id)
				}
			}
			waitAcked(t, srv, all...)

			got := map[int64][]int{}
			for _, p := range rc.Posts() {
				if p.Secret != secret {
					t.Errorf("update %d: secret header %q, want %q", p.UpdateID, p.Secret, secret)
				}
				if p.ContentType != "application/json" {
					t.Errorf("update %d: Content-Type %q", p.UpdateID, p.ContentType)
				}
				got[p.ChatID] = append(got[p.ChatID], p.UpdateID)
			}
			for chat, ids := range want {
				if !equalInts(got[chat], ids) {
					t.Errorf("chat %d got %v, want %v", chat, got[chat], ids)
				}
			}
			rc.mu.Lock()
			overlap, maxInFlight := rc.overlap, rc.maxInFlight
			rc.mu.Unlock()
			if overlap {
				t.Error("two updates of one chat were POSTed at the same time")
			}
			limit := tt.maxConn
			if limit == 0 {
				limit = 40
			}
			if maxInFlight > limit {
				t.Errorf("%d POSTs in flight, max_connections %d", maxInFlight, limit)
			}
			if srv.Pending() != 0 {
				t.Errorf("Pending() = %d", srv.Pending())
			}
			if n := len(srv.WebhookDeliveries()); n != len(all) {
				t.Errorf("%d deliveries, want %d", n, len(all))
			}
			info, err := bot.GetWebhookInfo()
			if err != nil {
				t.Fatal(err)
			}
			if info.URL != rc.srv.URL+"/hook" || info.PendingUpdateCount != 0 || info.HasCustomCertificate ||
				info.MaxConnections != limit || info.LastErrorDate != 0 || info.LastErrorMessage != "" {
				t.Errorf("getWebhookInfo = %+v", info)
			}
		})
	}
}

func TestWebhookRetriesFailedDeliveries(t *testing.T) {
	tests := []struct {
		name    string
		fail    int // answer for the first attempt; -1 drops the connection
		wantMsg string
	}{
		{"500", http.StatusInternalServerError, "Wrong response from the webhook: 500 Internal Server Error"},
		{"503", http.StatusServiceUnavailable, "Wrong response from the webhook: 503 Service Unavailable"},
		{"401 wrong secret", http.StatusUnauthorized, "Wrong response from the webhook: 401 Unauthorized"},
		{"redirect", http.StatusFound, "Wrong response from the webhook: 302 Found"},
		{"dropped connection", -1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
			srv := telegramtest.New(t, telegramtest.WithClock(func() time.Time { return now }))
			bot := newBot(t, srv)
			rc := newReceiver(t, func(p post, attempt int) int {
				if p.UpdateID == 1 && attempt == 1 {
					return tt.fail
				}
				return http.StatusOK
			})
			setWebhook(t, bot, rc.srv.URL, "", nil, 0)
			first := srv.SendText(7, telegramtest.User{}, "one")
			second := srv.SendText(7, telegramtest.User{}, "two")
			waitAcked(t, srv, first, second)

			var got []int
			for _, p := range rc.Posts() {
				got = append(got, p.UpdateID)
				if p.Secret != "" {
					t.Errorf("secret header %q without secret_token", p.Secret)
				}
			}
			// The chat's second update waits until the first was confirmed.
			if want := []int{first, first, second}; !equalInts(got, want) {
				t.Fatalf("receiver got %v, want %v", got, want)
			}
			ds := srv.DeliveriesOf(first)
			if len(ds) != 2 || ds[0].OK() || !ds[1].OK() || ds[1].StatusCode != 200 {
				t.Fatalf("deliveries of %d: %+v", first, ds)
			}
			if tt.fail == -1 && (ds[0].Err == nil || ds[0].StatusCode != 0) {
				t.Errorf("dropped connection recorded as %+v", ds[0])
			}
			if tt.fail > 0 && (ds[0].Err != nil || ds[0].StatusCode != tt.fail) {
				t.Errorf("failed attempt recorded as %+v", ds[0])
			}
			if !ds[1].Time.Equal(now) {
				t.Errorf("delivery time %v, want the server clock's %v", ds[1].Time, now)
			}
			if n := len(srv.DeliveriesOf(second)); n != 1 {
				t.Errorf("second update POSTed %d times", n)
			}

			info, err := bot.GetWebhookInfo()
			if err != nil {
				t.Fatal(err)
			}
			if info.LastErrorDate != int(now.Unix()) || info.LastErrorMessage == "" ||
				(tt.wantMsg != "" && info.LastErrorMessage != tt.wantMsg) {
				t.Errorf("getWebhookInfo last error = %d %q, want %d %q", info.LastErrorDate, info.LastErrorMessage, now.Unix(), tt.wantMsg)
			}
		})
	}
}

func TestWebhookBacksOffAndKeepsPending(t *testing.T) {
	srv := telegramtest.New(t)
	bot := newBot(t, srv)
	var mu sync.Mutex
	failing := true
	rc := newReceiver(t, func(post, int) int {
		mu.Lock()
		defer mu.Unlock()
		if failing {
			return http.StatusBadGateway
		}
		return http.StatusOK
	})
	setWebhook(t, bot, rc.srv.URL, "", nil, 0)
	id := srv.SendText(1, telegramtest.User{}, "hi")
	if !srv.WaitFor(waitLong, func() bool { return len(srv.DeliveriesOf(id)) >= 4 }) {
		t.Fatalf("deliveries %+v", srv.DeliveriesOf(id))
	}
	if srv.Acked(id) || srv.Pending() != 1 {
		t.Fatalf("Acked = %v, Pending = %d while the receiver fails", srv.Acked(id), srv.Pending())
	}
	ds := srv.DeliveriesOf(id)
	// 50 ms, 100 ms, 200 ms between attempts, not a busy loop.
	if gap := ds[3].Time.Sub(ds[0].Time); gap < 300*time.Millisecond {
		t.Errorf("4 attempts within %v: no back-off", gap)
	}
	info, err := bot.GetWebhookInfo()
	if err != nil {
		t.Fatal(err)
	}
	if info.PendingUpdateCount != 1 || info.LastErrorMessage != "Wrong response from the webhook: 502 Bad Gateway" {
		t.Fatalf("getWebhookInfo = %+v", info)
	}
	mu.Lock()
	failing = false
	mu.Unlock()
	waitAcked(t, srv, id)
}

func TestWebhookExcludesGetUpdates(t *testing.T) {
	srv := telegramtest.New(t)
	bot := newBot(t, srv)

	// A long poll waiting when the webhook is set ends with 409.
	polled := make(chan error, 1)
	go func() {
		_, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 30})
		polled <- err
	}()
	if !srv.WaitFor(waitLong, srv.Polling) {
		t.Fatal("no long poll")
	}
	// A receiver that is down: updates stay pending.
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()
	setWebhook(t, bot, downURL, "abc", []string{}, 0)
	wantAPIError(t, <-polled, 409, telegramtest.DescTerminatedBySetWebhook)

	_, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	wantAPIError(t, err, 409, telegramtest.DescWebhookActive)

	id := srv.SendText(5, telegramtest.User{}, "while the webhook is down")
	if !srv.WaitFor(waitLong, func() bool { return len(srv.DeliveriesOf(id)) >= 2 }) {
		t.Fatal("no delivery attempts")
	}
	d := srv.DeliveriesOf(id)[0]
	if d.Err == nil || d.OK() {
		t.Fatalf("delivery to a closed port = %+v", d)
	}
	info, err := bot.GetWebhookInfo()
	if err != nil {
		t.Fatal(err)
	}
	if info.LastErrorMessage != "Connection refused" || info.PendingUpdateCount != 1 {
		t.Fatalf("getWebhookInfo = %+v", info)
	}

	if _, err := bot.Request(tgbotapi.DeleteWebhookConfig{}); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := srv.Webhook(); ok {
		t.Fatal("Webhook() still set after deleteWebhook")
	}
	us, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || !equalInts(updateIDs(us), []int{id}) {
		t.Fatalf("getUpdates after deleteWebhook = %v, %v", updateIDs(us), err)
	}
	info, err = bot.GetWebhookInfo()
	if err != nil || info.URL != "" || info.LastErrorMessage != "" || info.PendingUpdateCount != 1 {
		t.Fatalf("getWebhookInfo after deleteWebhook = %+v, %v", info, err)
	}
	n := len(srv.DeliveriesOf(id))
	time.Sleep(100 * time.Millisecond)
	if m := len(srv.DeliveriesOf(id)); m > n+1 { // at most one attempt was under way
		t.Fatalf("still POSTing after deleteWebhook: %d -> %d attempts", n, m)
	}

	// drop_pending_updates on setWebhook and deleteWebhook.
	rc := newReceiver(t, nil)
	srv.SendText(5, telegramtest.User{}, "dropped")
	if _, err := bot.MakeRequest("setWebhook", tgbotapi.Params{"url": rc.srv.URL, "drop_pending_updates": "true"}); err != nil {
		t.Fatal(err)
	}
	if srv.Pending() != 0 {
		t.Fatalf("Pending() = %d after setWebhook(drop_pending_updates)", srv.Pending())
	}
	next := srv.SendText(5, telegramtest.User{}, "delivered")
	waitAcked(t, srv, next)
	if got := rc.Posts(); len(got) != 1 || got[0].UpdateID != next {
		t.Fatalf("receiver got %+v", got)
	}
	if _, err := bot.Request(tgbotapi.DeleteWebhookConfig{DropPendingUpdates: true}); err != nil {
		t.Fatal(err)
	}
	us, err = bot.GetUpdates(tgbotapi.UpdateConfig{Offset: next + 1})
	if err != nil || len(us) != 0 {
		t.Fatalf("getUpdates = %v, %v", updateIDs(us), err)
	}
}

func TestWebhookAllowedUpdates(t *testing.T) {
	tests := []struct {
		name     string
		allowed  []string // nil: parameter not sent
		wantKind []string // kinds the receiver gets, in order
		wantInfo []string
	}{
		{"default", nil, []string{"message", "my_chat_member", "callback_query"}, nil},
		{"empty list is the default", []string{}, []string{"message", "my_chat_member", "callback_query"}, nil},
		{"only my_chat_member", []string{"my_chat_member"}, []string{"my_chat_member"}, []string{"my_chat_member"}},
		{"messages and callbacks", []string{"message", "callback_query"}, []string{"message", "callback_query"}, []string{"callback_query", "message"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := telegramtest.New(t)
			bot := newBot(t, srv)
			rc := newReceiver(t, nil)
			setWebhook(t, bot, rc.srv.URL, "", tt.allowed, 0)

			cfg := tgbotapi.NewMessage(3, "pick")
			cfg.ReplyMarkup = keyboard(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("A", "a")))
			sent, err := bot.Send(cfg)
			if err != nil {
				t.Fatal(err)
			}
			ids := []int{
				srv.SendText(3, telegramtest.User{}, "hello"),
				srv.Kick(3),
			}
			srv.Unkick(3)
			q, _ := srv.PressButton(3, sent.MessageID, "a")
			ids = append(ids, q)
			// Filtered updates are never delivered; wait for the last one.
			if !srv.WaitFor(waitLong, func() bool { return srv.Pending() == 0 && len(rc.Posts()) >= len(tt.wantKind) }) {
				t.Fatalf("pending %d, posts %+v", srv.Pending(), rc.Posts())
			}
			var kinds []string
			for _, p := range rc.Posts() {
				if p.UpdateID == ids[1]+1 { // the Unkick update
					continue
				}
				kinds = append(kinds, p.Kind)
			}
			if strings.Join(kinds, ",") != strings.Join(tt.wantKind, ",") {
				t.Errorf("receiver got %v, want %v", kinds, tt.wantKind)
			}
			info, err := bot.GetWebhookInfo()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(info.AllowedUpdates, ",") != strings.Join(tt.wantInfo, ",") {
				t.Errorf("getWebhookInfo allowed_updates = %v, want %v", info.AllowedUpdates, tt.wantInfo)
			}
		})
	}
}

func TestSetWebhookValidation(t *testing.T) {
	long := strings.Repeat("a", 256)
	tests := []struct {
		name    string
		params  tgbotapi.Params
		code    int
		wantErr string // prefix; "" means success
	}{
		{"https", tgbotapi.Params{"url": "https://bot.example.org/hook"}, 0, ""},
		{"plain http for loopback tests", tgbotapi.Params{"url": "http://127.0.0.1:1/hook"}, 0, ""},
		{"all options", tgbotapi.Params{"url": "https://bot.example.org/hook", "secret_token": "Az09_-", "max_connections": "100",
			"ip_address": "192.0.2.1", "drop_pending_updates": "true", "allowed_updates": `["message"]`}, 0, ""},
		{"secret of 256 characters", tgbotapi.Params{"url": "https://bot.example.org/", "secret_token": long}, 0, ""},
		{"missing url", tgbotapi.Params{"secret_token": "abc"}, 400, `Bad Request: parameter "url" is required`},
		{"not http", tgbotapi.Params{"url": "ftp://bot.example.org/"}, 400, telegramtest.DescWebhookURLInvalid},
		{"relative url", tgbotapi.Params{"url": "/hook"}, 400, telegramtest.DescWebhookURLInvalid},
		{"secret with colon", tgbotapi.Params{"url": "https://bot.example.org/", "secret_token": "123:TEST"}, 400, telegramtest.DescSecretTokenInvalid},
		{"secret with space", tgbotapi.Params{"url": "https://bot.example.org/", "secret_token": "a b"}, 400, telegramtest.DescSecretTokenInvalid},
		{"secret with umlaut", tgbotapi.Params{"url": "https://bot.example.org/", "secret_token": "geheimä"}, 400, telegramtest.DescSecretTokenInvalid},
		{"secret too long", tgbotapi.Params{"url": "https://bot.example.org/", "secret_token": long + "a"}, 400, telegramtest.DescSecretTokenInvalid},
		{"bad allowed_updates", tgbotapi.Params{"url": "https://bot.example.org/", "allowed_updates": `"message"`}, 400, "Bad Request: can't parse allowed_updates JSON object"},
		{"bad max_connections", tgbotapi.Params{"url": "https://bot.example.org/", "max_connections": "many"}, 400, `Bad Request: parameter "max_connections" must be of type Integer`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := telegramtest.New(t, telegramtest.WithLogf(nil))
			bot := newBot(t, srv)
			_, err := bot.MakeRequest("setWebhook", tt.params)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if url, _, ok := srv.Webhook(); !ok || url != tt.params["url"] {
					t.Fatalf("Webhook() = %q, %v", url, ok)
				}
				return
			}
			wantAPIError(t, err, tt.code, tt.wantErr)
			if _, _, ok := srv.Webhook(); ok {
				t.Fatal("rejected setWebhook set a webhook")
			}
			if _, err := bot.GetUpdates(tgbotapi.UpdateConfig{}); err != nil {
				t.Fatalf("getUpdates after a rejected setWebhook: %v", err)
			}
		})
	}
}

func TestWebhookWithClientConfigs(t *testing.T) {
	srv := telegramtest.New(t)
	bot := newBot(t, srv)
	rc := newReceiver(t, nil)
	// v5.5.1's own WebhookConfig (no secret) works too.
	wh, err := tgbotapi.NewWebhook(rc.srv.URL + "/tg")
	if err != nil {
		t.Fatal(err)
	}
	wh.MaxConnections = 5
	if _, err := bot.Request(wh); err != nil {
		t.Fatal(err)
	}
	id := srv.SendText(9, telegramtest.User{}, "/start")
	waitAcked(t, srv, id)
	info, err := bot.GetWebhookInfo()
	if err != nil || info.URL != rc.srv.URL+"/tg" || info.MaxConnections != 5 {
		t.Fatalf("getWebhookInfo = %+v, %v", info, err)
	}
	if _, err := bot.Request(tgbotapi.DeleteWebhookConfig{}); err != nil {
		t.Fatal(err)
	}
}

func TestWebhookRedeliver(t *testing.T) {
	srv := telegramtest.New(t)
	bot := newBot(t, srv)
	rc := newReceiver(t, nil)
	setWebhook(t, bot, rc.srv.URL, "x", nil, 0)
	a := srv.SendText(1, telegramtest.User{}, "a")
	b := srv.SendText(1, telegramtest.User{}, "b")
	waitAcked(t, srv, a, b)
	if !srv.Redeliver(a) {
		t.Fatal("Redeliver failed")
	}
	if !srv.WaitFor(waitLong, func() bool { return len(srv.DeliveriesOf(a)) == 2 }) {
		t.Fatalf("deliveries of %d: %+v", a, srv.DeliveriesOf(a))
	}
	ds := srv.DeliveriesOf(a)
	if ds[0].Redelivery || !ds[1].Redelivery || !ds[1].OK() {
		t.Fatalf("deliveries of %d: %+v", a, ds)
	}
	var got []int
	for _, p := range rc.Posts() {
		got = append(got, p.UpdateID)
	}
	if want := []int{a, b, a}; !equalInts(got, want) {
		t.Fatalf("receiver got %v, want %v", got, want)
	}
	if !srv.Acked(a) || srv.Pending() != 0 {
		t.Fatalf("Acked = %v, Pending = %d", srv.Acked(a), srv.Pending())
	}

	// Redeliver'ed while polling, then a webhook is set: it is POSTed.
	if _, err := bot.Request(tgbotapi.DeleteWebhookConfig{}); err != nil {
		t.Fatal(err)
	}
	srv.Redeliver(b)
	setWebhook(t, bot, rc.srv.URL, "x", nil, 0)
	if !srv.WaitFor(waitLong, func() bool { return len(srv.DeliveriesOf(b)) == 2 }) {
		t.Fatalf("deliveries of %d: %+v", b, srv.DeliveriesOf(b))
	}
}

// TestWebhookOutOfOrderAcks checks Acked and Pending while one chat's
// update fails and another chat's later update is confirmed, and that
// getUpdates after deleteWebhook skips what the webhook confirmed.
func TestWebhookOutOfOrderAcks(t *testing.T) {
	srv := telegramtest.New(t)
	bot := newBot(t, srv)
	rc := newReceiver(t, func(p post, _ int) int {
		if p.ChatID == 1 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	setWebhook(t, bot, rc.srv.URL, "", nil, 0)
	stuck := srv.SendText(1, telegramtest.User{}, "stuck")
	fine := srv.SendText(2, telegramtest.User{}, "fine")
	waitAcked(t, srv, fine)
	if srv.Acked(stuck) || srv.Pending() != 1 {
		t.Fatalf("Acked(stuck) = %v, Pending = %d", srv.Acked(stuck), srv.Pending())
	}
	if _, err := bot.Request(tgbotapi.DeleteWebhookConfig{}); err != nil {
		t.Fatal(err)
	}
	us, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || !equalInts(updateIDs(us), []int{stuck}) {
		t.Fatalf("getUpdates = %v, %v", updateIDs(us), err)
	}
	if _, err := bot.GetUpdates(tgbotapi.UpdateConfig{Offset: stuck + 1}); err != nil {
		t.Fatal(err)
	}
	if !srv.Acked(stuck) || !srv.Acked(fine) || srv.Pending() != 0 {
		t.Fatalf("after offset: Acked %v %v, Pending %d", srv.Acked(stuck), srv.Acked(fine), srv.Pending())
	}
}

// TestWebhookCloseStopsDelivery closes a server whose receiver hangs and
// checks that Close returns promptly and leaves no goroutines behind.
func TestWebhookCloseStopsDelivery(t *testing.T) {
	before := runtime.NumGoroutine()
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	srv, err := telegramtest.Start("127.0.0.1:0", "")
	if err != nil {
		t.Fatal(err)
	}
	bot := newBot(t, srv)
	setWebhook(t, bot, hang.URL, "", nil, 0)
	for chat := range int64(5) {
		srv.SendText(chat+1, telegramtest.User{}, "hi")
	}
	// A second webhook replacing the first waits for its POSTs in flight.
	setWebhook(t, bot, hang.URL+"/2", "", nil, 0)
	srv.SendText(9, telegramtest.User{}, "hi")
	time.Sleep(50 * time.Millisecond)

	start := time.Now()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Close took %v", d)
	}
	for _, d := range srv.WebhookDeliveries() {
		if d.OK() {
			t.Errorf("delivery to a hanging receiver succeeded: %+v", d)
		}
	}
	close(release)
	hang.Close()
	bot.Client.(*http.Client).CloseIdleConnections()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines after Close, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}
