// Package broadcast sends the admins' broadcasts (see flows.Broadcast). A
// Runner walks the sessions of each open broadcast in chat-ID order, after
// the broadcast's stored cursor, and submits one flows.KindBroadcast event
// per member of its segment through the chat's pipeline. The engine
// commits the message together with the cursor's advance, so a pass that
// stops (a crash, a restart, a shutdown) is continued by the next one
// where it stopped, and nobody gets a broadcast twice.
//
// Sending happens at the bot's rate: Submit returns once the event is
// committed and holds back while many replies wait for delivery, so a
// large broadcast drains at Telegram's pace without piling up in memory.
// robfig/cron drives the passes (cmd/lotse: every minute and at start).
package broadcast

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"lotse/flows"
)

// Store finds open broadcasts and their recipients; *store.DB is one.
type Store interface {
	// OpenBroadcasts returns the broadcasts still sending, oldest first.
	OpenBroadcasts(ctx context.Context) ([]flows.Broadcast, error)
	// Broadcast returns one broadcast.
	Broadcast(ctx context.Context, id uint64) (flows.Broadcast, bool, error)
	// Recipients returns up to limit members of seg after chat after.
	Recipients(ctx context.Context, seg flows.Segment, after int64, limit int) ([]int64, error)
	// FinishBroadcast marks a broadcast still sending as done.
	FinishBroadcast(ctx context.Context, id uint64, at time.Time) error
}

// Runner continues the open broadcasts.
type Runner struct {
	Store Store
	// Submit hands an event to the chat's pipeline and returns once it was
	// committed (bot.Bot.Submit).
	Submit func(ctx context.Context, ev flows.Event) error
	// Chunk is how many recipients one scan returns; zero means 200.
	Chunk int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives progress and problems; nil discards.
	Logger *slog.Logger

	running sync.Mutex // one pass at a time: the cursor moves in one direction
}

// Run continues every open broadcast until it is done, stopped, or ctx
// ends, and returns how many events it submitted. A pass already running
// makes Run return at once.
func (r *Runner) Run(ctx context.Context) (int, error) {
	if !r.running.TryLock() {
		return 0, nil
	}
	defer r.running.Unlock()
	log := r.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	open, err := r.Store.OpenBroadcasts(ctx)
	if err != nil {
		return 0, fmt.Errorf("broadcasts: %w", err)
	}
	total := 0
	for _, b := range open {
		n, err := r.send(ctx, b)
		total += n
		if err != nil {
			return total, fmt.Errorf("broadcast %d: %w", b.ID, err)
		}
		log.Info("broadcast pass", "broadcast", b.ID, "submitted", n)
	}
	return total, ctx.Err()
}

// send submits broadcast b to its members after its cursor, chunk by
// chunk, and marks it done when none is left.
func (r *Runner) send(ctx context.Context, b flows.Broadcast) (int, error) {
	chunk := r.Chunk
	if chunk <= 0 {
		chunk = 200
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	after, n := b.Cursor, 0
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		cur, ok, err := r.Store.Broadcast(ctx, b.ID)
		if err != nil {
			return n, err
		}
		if !ok || cur.Status != flows.BroadcastSending {
			return n, nil // stopped meanwhile
		}
		chats, err := r.Store.Recipients(ctx, b.Segment, after, chunk)
		if err != nil {
			return n, err
		}
		if len(chats) == 0 {
			return n, r.Store.FinishBroadcast(ctx, b.ID, now())
		}
		for _, chat := range chats {
			if err := r.Submit(ctx, flows.Event{Chat: chat, Kind: flows.KindBroadcast, Broadcast: b.ID}); err != nil {
				return n, err
			}
			n++
			after = chat
		}
	}
}
