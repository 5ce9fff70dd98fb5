package bot

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"golang.org/x/time/rate"

	"lotse/flows"
)

// Errors that end [Bot.Run] or [New].
var (
	// ErrUnauthorized means Telegram refused the token.
	ErrUnauthorized = errors.New("telegram refused the bot token (401 Unauthorized): check TELEGRAM_BOT_TOKEN")
	// ErrConflict means another process polls updates for the same bot.
	ErrConflict = errors.New("another instance of this bot is polling Telegram (409 Conflict): stop it first")
)

// Config configures a [Bot]. Token, Handler and Outbox are required.
type Config struct {
	Token string
	// Endpoint is go-telegram-bot-api's endpoint format string, such as
	// "http://127.0.0.1:8081/bot%s/%s"; empty means Telegram's.
	Endpoint string
	Handler  flows.Handler
	Outbox   flows.Outbox
	// Logger receives the adapter's log; nil discards.
	Logger *slog.Logger
	// Workers is the number of chat workers; zero means 16.
	Workers int
	// PollTimeout is the long-poll timeout of getUpdates; zero means 50s.
	PollTimeout time.Duration
	// ShutdownTimeout bounds how long Run waits for workers after its
	// context ended; zero means 10s.
	ShutdownTimeout time.Duration
	// HTTPClient sends the requests; nil means a default client.
	HTTPClient *http.Client
	// GlobalRate and GlobalBurst limit messages sent overall (Telegram:
	// about 30 per second); zero means 30 and 30, rate.Inf no limit.
	GlobalRate  rate.Limit
	GlobalBurst int
	// ChatRate and ChatBurst limit messages per chat (Telegram: about one
	// per second, short bursts tolerated); zero means 1 and 3.
	ChatRate  rate.Limit
	ChatBurst int
	// WebhookURL, if set, makes the bot receive updates by webhook instead of
	// long polling: Telegram posts them to this public https address.
	WebhookURL string
	// WebhookListen is the address the webhook server listens on, e.g.
	// ":8443" (behind a TLS-terminating proxy); WebhookListener, if set, is
	// used instead (tests).
	WebhookListen   string
	WebhookListener net.Listener
	// WebhookSecret is the secret_token Telegram sends with each update;
	// empty means a new random one at every start.
	WebhookSecret string
	// SendWindow is how many sends may be in flight at once; zero means 1,
	// so a crash repeats at most one message. A higher window helps a bot
	// far from Telegram's servers reach the global rate.
	SendWindow int
	// Observer is told about updates, sends and errors (metrics); nil
	// means none.
	Observer Observer
}

// Bot is a running Telegram adapter.
type Bot struct {
	cfg  Config
	log  *slog.Logger
	self tgbotapi.User
	seed maphash.Seed

	mu     sync.Mutex // guards submit
	submit func(context.Context, flows.Event) error
	ready  chan struct{}

	// Callback queries are answered off the chats' workers, at most
	// cap(answerSlots) at a time (see answerLater).
	answerSlots chan struct{}
	answering   sync.WaitGroup

	// For metrics and health (observe.go).
	obs     Observer
	times   *replyTimes // nil without an Observer
	lastOK  atomic.Int64
	snd     atomic.Pointer[sender]
	pingMu  sync.Mutex // guards pingAt and pingErr
	pingAt  time.Time
	pingErr error
}

// Ready is closed once Run accepts events through Submit.
func (b *Bot) Ready() <-chan struct{} { return b.ready }

// ErrNotRunning is returned by [Bot.Submit] when Run is not running.
var ErrNotRunning = errors.New("the bot is not running")

// Submit hands an event that did not come from Telegram (a due reminder)
// to its chat's worker, in order with the chat's updates, and returns once
// it was committed. While many replies wait for delivery, it waits first,
// so a flood of reminders drains at the send rate instead of piling up in
// memory.
func (b *Bot) Submit(ctx context.Context, ev flows.Event) error {
	b.mu.Lock()
	submit := b.submit
	b.mu.Unlock()
	if submit == nil {
		return ErrNotRunning
	}
	return submit(ctx, ev)
}

// maxQueued is how many replies may wait for delivery before Submit holds
// back further events.
const maxQueued = 1000

// sendTimeout bounds one Bot API call other than the long poll.
const sendTimeout = 30 * time.Second

// New checks the token with getMe and returns the bot.
func New(ctx context.Context, cfg Config) (*Bot, error) {
	if cfg.Token == "" || cfg.Handler == nil || cfg.Outbox == nil {
		return nil, errors.New("new bot: token, handler and outbox are required")
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = tgbotapi.APIEndpoint
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 16
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = 50 * time.Second
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 10 * time.Second
	}
	if cfg.HTTPClient == nil {
		// Keep enough idle connections for the concurrent sends, callback
		// answers and the long poll: Go's default keeps 2 per host, and the
		// rest would be dialled again for every request.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns, t.MaxIdleConnsPerHost = 128, 64
		cfg.HTTPClient = &http.Client{Transport: t}
	}
	if cfg.GlobalRate == 0 {
		cfg.GlobalRate, cfg.GlobalBurst = 30, max(cfg.GlobalBurst, 30)
	}
	if cfg.ChatRate == 0 {
		cfg.ChatRate, cfg.ChatBurst = 1, max(cfg.ChatBurst, 3)
	}
	if cfg.SendWindow <= 0 {
		cfg.SendWindow = 1
	}
	b := &Bot{cfg: cfg, log: cfg.Logger, seed: maphash.MakeSeed(), ready: make(chan struct{}), obs: cfg.Observer, answerSlots: make(chan struct{}, 64)}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	if b.obs == nil {
		b.obs = NopObserver{}
	} else {
		b.times = &replyTimes{}
	}
	b.cfg.HTTPClient = b.observe(cfg.HTTPClient)
	var me tgbotapi.User
	err := b.call(ctx, func() (err error) { me, err = b.api(ctx, sendTimeout).GetMe(); return err })
	if err != nil {
		var te *tgbotapi.Error
		if errors.As(err, &te) && te.Code == 401 {
			return nil, ErrUnauthorized
		}
		return nil, fmt.Errorf("new bot: getMe: %w", err)
	}
	b.self = me
	return b, nil
}

// Username returns the bot's username, as getMe reported it.
func (b *Bot) Username() string { return b.self.UserName }

func (b *Bot) api(ctx context.Context, timeout time.Duration) *tgbotapi.BotAPI {
	return newAPI(ctx, b.cfg.Token, b.cfg.Endpoint, b.cfg.HTTPClient, timeout)
}

// job is one update for a chat worker to handle.
type job struct {
	ev      flows.Event
	queryID string // the callback query to answer, if any
	done    func() // called once the event is committed; may be nil
	// received is when the bot got the event (set by dispatch).
	received time.Time
}

// Run receives updates (long polling, or the webhook when WebhookURL is
// set) and handles them until ctx ends or Telegram refuses to go on
// (ErrUnauthorized, ErrConflict). A Bot runs once. On the way out it stops
// polling, lets the workers finish what they hold, delivers what they
// committed (both bounded by ShutdownTimeout; what is left stays in the
// outbox), and confirms the handled updates to Telegram.
func (b *Bot) Run(ctx context.Context) error {
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()

	// The queues exist before anything can dispatch (Submit may be called
	// as soon as Ready is closed, before the workers run).
	queues := make([]chan job, b.cfg.Workers)
	for i := range queues {
		queues[i] = make(chan job, 64)
	}
	var mu sync.Mutex // guards closed: no dispatch after the queues close
	closed := false
	dispatch := func(j job) {
		j.received = time.Now()
		mu.Lock()
		defer mu.Unlock()
		if closed {
			b.process(workCtx, nil, j) // shutting down: the workers are gone
			return
		}
		queues[b.worker(j.ev.Chat)] <- j
	}
	snd := newSender(b, b.api(workCtx, sendTimeout), func(chat int64, broadcast uint64) {
		dispatch(job{ev: flows.Event{Chat: chat, Kind: flows.KindBlocked, Broadcast: broadcast}})
	})
	b.snd.Store(snd)
	b.mu.Lock()
	b.submit = func(ctx context.Context, ev flows.Event) error {
		for snd.Pending() > maxQueued {
			if !sleep(ctx, 50*time.Millisecond) {
				return ctx.Err()
			}
		}
		committed := make(chan struct{})
		dispatch(job{ev: ev, done: func() { close(committed) }})
		select {
		case <-committed:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	b.mu.Unlock()
	close(b.ready)
	defer func() {
		b.mu.Lock()
		b.submit = nil
		b.mu.Unlock()
	}()
	drain := make(chan struct{})
	var sending sync.WaitGroup
	sending.Go(func() { snd.run(workCtx, b.cfg.SendWindow, drain) })

	var workers sync.WaitGroup
	for i := range queues {
		workers.Go(func() {
			for j := range queues[i] {
				b.process(workCtx, snd, j)
			}
		})
	}

	err := b.flushOutbox(ctx, snd)
	if err == nil && b.cfg.WebhookURL != "" {
		err = b.serveWebhook(ctx, dispatch)
	} else if err == nil {
		err = b.poll(ctx, dispatch)
	}

	mu.Lock()
	closed = true
	for _, q := range queues {
		close(q)
	}
	mu.Unlock()
	finished := make(chan struct{})
	go func() {
		workers.Wait()
		b.answering.Wait()
		close(drain)
		sending.Wait()
		close(finished)
	}()
	select {
	case <-finished:
	case <-time.After(b.cfg.ShutdownTimeout):
		b.log.Warn("shutdown timeout: undelivered replies stay in the outbox", "pending", snd.Pending())
		stopWork()
		<-finished
	}
	return err
}

func (b *Bot) worker(chat int64) int {
	var h maphash.Hash
	h.SetSeed(b.seed)
	var buf [8]byte
	for i := range buf {
		buf[i] = byte(uint64(chat) >> (8 * i))
	}
	h.Write(buf[:])
	return int(h.Sum64() % uint64(b.cfg.Workers))
}

// flushOutbox queues the replies a previous run committed but did not
// deliver, before any new update is handled.
func (b *Bot) flushOutbox(ctx context.Context, snd *sender) error {
	pending, err := b.cfg.Outbox.Pending(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("flush outbox: %w", err)
	}
	if len(pending) > 0 {
		b.log.Info("delivering replies left in the outbox", "count", len(pending))
	}
	snd.enqueue(pending)
	return nil
}
