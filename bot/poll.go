package bot

import (
	"context"
	"errors"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// allowedUpdates are the update types Lotse asks Telegram for.
var allowedUpdates = []string{"message", "edited_message", "callback_query", "my_chat_member"}

// pollWindow is how many updates may be dispatched and not yet committed:
// getUpdates returns at most 100 from the oldest unconfirmed one.
const pollWindow = 100

// poll long-polls getUpdates until ctx ends. Updates are dispatched to the
// workers as they arrive, and the offset (which confirms updates to
// Telegram) never passes one that is not committed: it is always the
// oldest update still in flight. Polling goes on while a batch commits:
// Telegram returns the unconfirmed updates again (skipped here, they are
// dispatched already) followed by new ones, so one slow chat delays no
// one else's updates, only the confirmation.
func (b *Bot) poll(ctx context.Context, dispatch func(job)) error {
	api := b.api(ctx, b.cfg.PollTimeout+15*time.Second)
	// A webhook left from an earlier run would make getUpdates fail.
	if err := b.call(ctx, func() error { _, err := api.MakeRequest("deleteWebhook", nil); return err }); err != nil {
		b.log.Warn("deleteWebhook failed", "err", err)
	}
	var (
		next     int                            // the lowest update ID not dispatched yet
		inflight = map[int]bool{}               // dispatched, not committed
		done     = make(chan int, 2*pollWindow) // committed update IDs; never full: ≤ pollWindow in flight
		offset   = func() int {                 // everything below it is committed
			o := next
			for id := range inflight {
				o = min(o, id)
			}
			return o
		}
		collect = func(block bool) { // takes in what was committed; waits for one if block
			if block {
				select {
				case id := <-done:
					delete(inflight, id)
				case <-ctx.Done():
					return
				}
			}
			for {
				select {
				case id := <-done:
					delete(inflight, id)
				default:
					return
				}
			}
		}
	)
	bo := backoff{min: 100 * time.Millisecond, max: 30 * time.Second}
	defer func() {
		collect(false)
		b.confirm(ctx, offset())
	}()
	for ctx.Err() == nil {
		collect(len(inflight) >= pollWindow)
		timeout := b.cfg.PollTimeout
		if len(inflight) > 0 {
			timeout = 0 // the unconfirmed ones come back at once: don't long-poll on them
		}
		updates, err := api.GetUpdates(tgbotapi.UpdateConfig{
			Offset: offset(), Limit: pollWindow, Timeout: int(timeout / time.Second), AllowedUpdates: allowedUpdates,
		})
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var te *tgbotapi.Error
			if errors.As(err, &te) {
				switch te.Code {
				case 401:
					return ErrUnauthorized
				case 409:
					return ErrConflict
				case 429:
					wait := time.Duration(te.RetryAfter) * time.Second
					b.log.Warn("getUpdates rate limited", "retry_after", wait)
					sleep(ctx, wait)
					continue
				}
			}
			d := bo.next()
			b.log.Warn("getUpdates failed, retrying", "err", err, "in", d)
			sleep(ctx, d)
			continue
		}
		bo.reset()
		fresh := 0
		for _, u := range updates {
			if u.UpdateID < next {
				continue // dispatched already, not yet committed
			}
			next = u.UpdateID + 1
			j, ok := b.toJob(u)
			if !ok {
				continue
			}
			id := u.UpdateID
			inflight[id] = true
			j.done = func() { done <- id }
			dispatch(j)
			fresh++
		}
		if fresh == 0 && len(inflight) > 0 {
			collect(true) // nothing new: wait for a commit before asking again
		}
	}
	return nil
}

// confirm tells Telegram that every update before offset was handled, so a
// restart does not fetch them again (they would be recognised as handled,
// but why send them). It is a short poll with its own small deadline.
func (b *Bot) confirm(ctx context.Context, offset int) {
	if offset <= 0 {
		return
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	_, err := b.api(cctx, 0).GetUpdates(tgbotapi.UpdateConfig{Offset: offset, Limit: 1, Timeout: 0, AllowedUpdates: allowedUpdates})
	if err != nil {
		b.log.Info("could not confirm the last updates; they will be skipped as duplicates after restart", "err", err)
	}
}

// backoff yields growing delays, doubling from min up to max.
type backoff struct {
	min, max, cur time.Duration
}

func (b *backoff) next() time.Duration {
	if b.cur == 0 {
		b.cur = b.min
	} else {
		b.cur = min(2*b.cur, b.max)
	}
	return b.cur
}

func (b *backoff) reset() { b.cur = 0 }

// sleep waits d or until ctx ends, and reports whether it waited fully.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
