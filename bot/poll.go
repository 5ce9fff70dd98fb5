package bot

import (
	"context"
	"errors"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// allowedUpdates are the update types Lotse asks Telegram for.
var allowedUpdates = []string{"message", "edited_message", "callback_query", "my_chat_member"}

// poll long-polls getUpdates until ctx ends. Each batch is dispatched to
// the workers, and the offset moves past it only once every update in it
// was committed.
func (b *Bot) poll(ctx context.Context, dispatch func(job)) error {
	api := b.api(ctx, b.cfg.PollTimeout+15*time.Second)
	// A webhook left from an earlier run would make getUpdates fail.
	if err := b.call(ctx, func() error { _, err := api.MakeRequest("deleteWebhook", nil); return err }); err != nil {
		b.log.Warn("deleteWebhook failed", "err", err)
	}
	offset := 0
	bo := backoff{min: 100 * time.Millisecond, max: 30 * time.Second}
	defer func() { b.confirm(ctx, offset) }()
	for ctx.Err() == nil {
		updates, err := api.GetUpdates(tgbotapi.UpdateConfig{
			Offset: offset, Limit: 100, Timeout: int(b.cfg.PollTimeout / time.Second), AllowedUpdates: allowedUpdates,
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
		var batch sync.WaitGroup
		for _, u := range updates {
			j, ok := b.toJob(u)
			if !ok {
				continue
			}
			batch.Add(1)
			j.done = batch.Done
			dispatch(j)
		}
		batch.Wait()
		if n := len(updates); n > 0 {
			offset = updates[n-1].UpdateID + 1
		}
	}
	return nil
}

// confirm tells Telegram that every update before offset was handled, so a
// restart does not fetch them again (they would be recognised as handled,
// but why send them). It is a short poll with its own small deadline.
func (b *Bot) confirm(ctx context.Context, offset int) {
	if offset == 0 {
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
