// Package remind dispatches due reminders. Reminders are data in the store
// (see flows.Reminder), never only in memory: a Dispatcher finds the due
// ones with one range scan and hands each to the engine as an event,
// through the same per-chat pipeline as the user's own messages. The
// engine sends it and, in the same transaction, deletes it or moves it to
// its next date, so a reminder is sent once even when a pass runs twice
// or the process dies in between.
//
// robfig/cron drives the passes (cmd/lotse schedules Dispatcher.Run every
// minute and once at start, which catches up after downtime).
package remind

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"lotse/flows"
)

// Store finds due reminders; *store.DB is one.
type Store interface {
	DueReminders(ctx context.Context, t time.Time, limit int) ([]flows.Reminder, error)
}

// Dispatcher hands due reminders to the engine.
type Dispatcher struct {
	Store Store
	// Submit hands an event to the chat's pipeline and returns once it was
	// committed (bot.Bot.Submit, or the engine directly).
	Submit func(ctx context.Context, ev flows.Event) error
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Batch is how many reminders one scan returns; zero means 500.
	Batch int
	// Logger receives problems; nil discards.
	Logger *slog.Logger
}

// Run submits every reminder due now, scan after scan, until none is left
// or ctx ends, and returns how many it submitted. Reminders the engine
// puts off (quiet hours) are no longer due and are not seen again.
func (d *Dispatcher) Run(ctx context.Context) (int, error) {
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	batch := d.Batch
	if batch <= 0 {
		batch = 500
	}
	t := now()
	sent := 0
	seen := map[uint64]bool{} // a reminder the engine kept due is not retried in this run
	for ctx.Err() == nil {
		due, err := d.Store.DueReminders(ctx, t, batch+len(seen))
		if err != nil {
			return sent, fmt.Errorf("dispatch reminders: %w", err)
		}
		fresh := 0
		for _, r := range due {
			if seen[r.ID] {
				continue
			}
			seen[r.ID] = true
			fresh++
			if err := d.Submit(ctx, flows.Event{Chat: r.Chat, Kind: flows.KindReminder, Reminder: r.ID, At: now()}); err != nil {
				return sent, fmt.Errorf("dispatch reminder %d: %w", r.ID, err)
			}
			sent++
		}
		if fresh == 0 {
			break
		}
	}
	if sent > 0 && d.Logger != nil {
		d.Logger.Info("reminders dispatched", "count", sent)
	}
	return sent, ctx.Err()
}
