package flows

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"
)

// Translator turns message IDs into text in a language. Package locales
// implements it on go-i18n.
type Translator interface {
	// Translate renders message id in lang with data for its placeholders.
	// A non-nil error with a non-empty text means a fallback was used.
	Translate(lang, id string, data map[string]any) (string, error)
	// Languages lists the languages offered, in the order to show them.
	Languages() []string
	// Match picks the offered language closest to a client's language code.
	Match(code string) string
}

// Store keeps sessions and the outbox. Package store implements it on bbolt.
type Store interface {
	// Session returns the chat's session; ok is false when there is none.
	Session(ctx context.Context, chat int64) (s Session, ok bool, err error)
	// Save stores the session, appends the replies to the outbox and
	// applies the changes (reminders, usage counters), all or nothing. It
	// sets each reply's ID, and the ID of each new reminder.
	Save(ctx context.Context, s Session, replies []Reply, changes ...Change) error
	// Delete removes everything stored about the chat (session and
	// reminders), appends the replies to the outbox and adds the counts
	// to the usage counters (which belong to no chat), all or nothing.
	Delete(ctx context.Context, chat int64, replies []Reply, counts ...Count) error
	// Reminders returns the chat's reminders, soonest first.
	Reminders(ctx context.Context, chat int64) ([]Reminder, error)
	// Reminder returns one reminder; ok is false when there is none.
	Reminder(ctx context.Context, id uint64) (r Reminder, ok bool, err error)
}

// Outbox holds replies that were committed but not yet delivered. A
// channel delivers each and acknowledges it; package store implements it.
type Outbox interface {
	// Pending returns the undelivered replies, oldest first.
	Pending(ctx context.Context) ([]Reply, error)
	// Ack removes delivered replies, all in one transaction.
	Ack(ctx context.Context, ids ...uint64) error
}

// Handler handles one event and commits its effects. *Engine is the
// Handler; channels (Telegram, the terminal) depend only on this.
type Handler interface {
	Handle(ctx context.Context, ev Event) (Result, error)
}

var _ Handler = (*Engine)(nil)

// Engine runs the flows. It is safe for concurrent use, provided the
// events of one chat arrive one at a time.
type Engine struct {
	content atomic.Pointer[Content]
	store   Store
	tr      Translator
	now     func() time.Time
	log     *slog.Logger
	// retention is how many months an inactive user's data is kept.
	retention  int
	admins     []int64
	stats      StatsSource
	grace      time.Duration
	reload     ReloadFunc
	broadcasts BroadcastStore
}

// Config holds what an [Engine] needs. Content, Store and Translator are
// required.
type Config struct {
	Content    *Content
	Store      Store
	Translator Translator
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives problems; nil means discard.
	Logger *slog.Logger
	// Admins are the user IDs that may use admin commands (/stats); for
	// everyone else those commands do not exist.
	Admins []int64
	// Stats computes /stats; nil means the command says it is unavailable.
	Stats StatsSource
	// Broadcasts keeps the admins' broadcasts (/broadcast); nil means the
	// command says broadcasts are unavailable (the terminal chat).
	Broadcasts BroadcastStore
	// Reload serves the admin command /reload; nil means the content
	// cannot be reloaded (it is built in).
	Reload ReloadFunc
	// ReminderGrace is how late a reminder may still be sent (after
	// downtime); older ones are dropped unsent. Zero means 6 hours.
	ReminderGrace time.Duration
	// RetentionMonths is how long the data of an inactive user is kept, as
	// told in /privacy; zero means 12. Deleting it is the caller's job
	// (see store.DB.DeleteInactive).
	RetentionMonths int
}

// NewEngine returns an engine for the given content. It refuses content
// that fails [Content.Check].
func NewEngine(cfg Config) (*Engine, error) {
	if cfg.Content == nil || cfg.Store == nil || cfg.Translator == nil {
		return nil, errors.New("new engine: content, store and translator are required")
	}
	if ps := cfg.Content.Check(); len(ps) > 0 {
		return nil, fmt.Errorf("new engine: content has %d problems, first: %s", len(ps), ps[0])
	}
	e := &Engine{store: cfg.Store, reload: cfg.Reload, tr: cfg.Translator, now: cfg.Now, log: cfg.Logger,
		retention: cfg.RetentionMonths, admins: cfg.Admins, stats: cfg.Stats, grace: cfg.ReminderGrace, broadcasts: cfg.Broadcasts}
	e.content.Store(cfg.Content)
	if e.grace <= 0 {
		e.grace = 6 * time.Hour
	}
	if e.retention <= 0 {
		e.retention = 12
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	return e, nil
}

// Content returns the content the engine runs.
func (e *Engine) Content() *Content { return e.content.Load() }

// Replace makes the engine run c from the next event on, if c passes
// [Content.Check]; sessions stay as they are (a session in a flow whose
// version changed is shown the flow's start again, as after a release).
func (e *Engine) Replace(c *Content) error {
	if ps := c.Check(); len(ps) > 0 {
		return fmt.Errorf("replace content: %d problems, first: %s", len(ps), ps[0])
	}
	e.content.Store(c)
	return nil
}

// Commands lists the commands the engine understands, for the bot's menu.
// Each has its description under the message ID "command.<name>".
var Commands = []string{"start", "menu", "language", "reminders", "timezone", "privacy", "about", "help"}

// handleGroup answers a command in a group with a pointer to a private
// chat, and ignores everything else there. It keeps nothing about the
// group: the answer is committed with Delete, which stores no session.
func (e *Engine) handleGroup(ctx context.Context, ev Event) (Result, error) {
	if ev.Kind != KindCommand {
		return Result{}, nil
	}
	s := Session{Chat: ev.Chat, Lang: e.tr.Match(ev.LangCode)}
	t := &turn{e: e, c: e.Content(), s: &s, ev: ev}
	t.say(t.tr("input.group", nil), nil)
	if err := e.store.Delete(ctx, ev.Chat, t.out); err != nil {
		return Result{}, fmt.Errorf("handle group update %d: %w", ev.UpdateID, err)
	}
	return Result{Replies: t.out}, nil
}

// Handle handles one event: it loads the chat's session, advances it, and
// saves the new session together with the replies. An event whose update
// ID was handled before returns a Result with Duplicate set and no replies.
func (e *Engine) Handle(ctx context.Context, ev Event) (Result, error) {
	now := ev.At
	if now.IsZero() {
		now = e.now()
	}
	if ev.Group {
		return e.handleGroup(ctx, ev)
	}
	if ev.Kind == KindNotice {
		return e.notify(ctx, ev)
	}
	if ev.Kind == KindBroadcast {
		return e.deliverBroadcast(ctx, ev)
	}
	s, found, err := e.store.Session(ctx, ev.Chat)
	if err != nil {
		return Result{}, fmt.Errorf("handle update %d: %w", ev.UpdateID, err)
	}
	if found && s.seen(ev.UpdateID, now) {
		return Result{Duplicate: true}, nil
	}
	if !found {
		s = Session{Chat: ev.Chat}
	}
	t := &turn{ctx: ctx, e: e, c: e.Content(), s: &s, ev: ev, now: now}
	t.run()
	if ev.UpdateID > s.LastUpdateID || now.Sub(s.Updated) >= redeliveryWindow {
		s.LastUpdateID = ev.UpdateID
	}
	s.Updated = now
	if t.forget {
		if err := e.store.Delete(ctx, s.Chat, t.out, t.counts...); err != nil {
			return Result{}, fmt.Errorf("handle update %d: delete chat data: %w", ev.UpdateID, err)
		}
		return Result{Replies: t.out, Notice: t.notice}, nil
	}
	changes := t.changes
	if len(t.counts) > 0 {
		changes = append(changes, Change{Counts: t.counts})
	}
	if err := e.store.Save(ctx, s, t.out, changes...); err != nil {
		return Result{}, fmt.Errorf("handle update %d: %w", ev.UpdateID, err)
	}
	return Result{Replies: t.out, Notice: t.notice}, nil
}
