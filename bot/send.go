package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"lotse/flows"
)

// handleAttempts is how often a failing handler (a store error) is tried
// before the update is given up.
const handleAttempts = 3

// deliverAttempts bounds retries of a reply on 5xx and network errors; the
// reply then stays in the outbox for the next start.
const deliverAttempts = 6

// process handles one job: commit the event, answer the button, and hand
// the replies to the sender (nil while shutting down: they stay in the
// outbox for the next start).
func (b *Bot) process(ctx context.Context, snd *sender, j job) {
	done := func() {
		if j.done != nil {
			j.done()
		}
	}
	if j.ev.Kind == 0 {
		done()
		b.answerLater(ctx, j.queryID, "")
		return
	}
	res, err := b.handle(ctx, j.ev)
	done()
	b.handled(j, res, err)
	if err != nil {
		b.log.Error("update given up after retries", "update_id", j.ev.UpdateID, "err", err)
	}
	b.answerLater(ctx, j.queryID, res.Notice)
	if snd != nil {
		snd.enqueue(res.Replies)
	}
}

func (b *Bot) handle(ctx context.Context, ev flows.Event) (flows.Result, error) {
	var err error
	for attempt := range handleAttempts {
		var res flows.Result
		res, err = b.cfg.Handler.Handle(ctx, ev)
		if err == nil {
			return res, nil
		}
		b.log.Warn("handling update failed", "update_id", ev.UpdateID, "attempt", attempt+1, "err", err)
		b.obs.Error(ErrorStore)
		if !sleep(ctx, time.Duration(attempt+1)*200*time.Millisecond) {
			break
		}
	}
	return flows.Result{}, err
}

// answerLater answers a callback query without holding up the chat's
// worker (an answer is an HTTP round trip, and the worker has other chats'
// updates to commit). When too many answers are under way it answers
// right here, which slows the worker down: backpressure.
func (b *Bot) answerLater(ctx context.Context, queryID, text string) {
	if queryID == "" {
		return
	}
	select {
	case b.answerSlots <- struct{}{}:
		b.answering.Go(func() {
			defer func() { <-b.answerSlots }()
			b.answer(b.api(ctx, sendTimeout), queryID, text)
		})
	default:
		b.answer(b.api(ctx, sendTimeout), queryID, text)
	}
}

// answer answers a callback query, so the user's client stops its spinner.
// A 429 is retried after retry_after in the background, so the chat's
// worker does not wait; a query older than about 15 seconds cannot be
// answered any more, so retrying stops there.
func (b *Bot) answer(api *tgbotapi.BotAPI, queryID, text string) {
	if queryID == "" {
		return
	}
	_, err := api.Request(tgbotapi.NewCallback(queryID, text))
	var te *tgbotapi.Error
	if errors.As(err, &te) && te.Code == 429 && te.RetryAfter <= 10 {
		go func() {
			time.Sleep(time.Duration(max(te.RetryAfter, 1)) * time.Second)
			if _, err := api.Request(tgbotapi.NewCallback(queryID, text)); err != nil {
				b.log.Info("answering a button press failed after a 429", "err", err)
			}
		}()
		return
	}
	if err != nil {
		b.log.Info("answering a button press failed", "err", err)
	}
}

// call makes a Bot API request outside the reply pipeline (start-up
// registration), waiting out 429s and retrying 5xx and network errors a
// few times.
func (b *Bot) call(ctx context.Context, do func() error) error {
	bo := backoff{min: 200 * time.Millisecond, max: 5 * time.Second}
	for attempt := 1; ; attempt++ {
		err := do()
		if err == nil {
			return nil
		}
		var te *tgbotapi.Error
		switch {
		case errors.As(err, &te) && te.Code == 429:
			if !sleep(ctx, time.Duration(max(te.RetryAfter, 1))*time.Second) {
				return err
			}
		case (errors.As(err, &te) && te.Code >= 500 || te == nil) && attempt < 4:
			if !sleep(ctx, bo.next()) {
				return err
			}
		default:
			return err
		}
	}
}

func editGone(msg string) bool {
	return strings.Contains(msg, "message to edit not found") || strings.Contains(msg, "message can't be edited")
}

// ack removes delivered replies from the outbox, in one transaction.
func (b *Bot) ack(ctx context.Context, rs ...flows.Reply) error {
	ids := make([]uint64, 0, len(rs))
	for _, r := range rs {
		if r.ID != 0 {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	if err := b.cfg.Outbox.Ack(ctx, ids...); err != nil {
		b.obs.Error(ErrorStore)
		b.log.Error("acknowledging delivered replies failed; they may be sent again after a restart", "replies", len(ids), "err", err)
		return err
	}
	return nil
}

// chattable turns a reply into a Bot API request.
func chattable(r flows.Reply) tgbotapi.Chattable {
	switch r.Op {
	case flows.OpEdit:
		e := tgbotapi.NewEditMessageText(r.Chat, r.MessageID, r.Text)
		e.ParseMode = tgbotapi.ModeHTML
		e.DisableWebPagePreview = true
		if len(r.Buttons) > 0 {
			m := markup(r.Buttons)
			e.ReplyMarkup = &m
		}
		return e
	case flows.OpClearButtons:
		return tgbotapi.NewEditMessageReplyMarkup(r.Chat, r.MessageID,
			tgbotapi.InlineKeyboardMarkup{InlineKeyboard: [][]tgbotapi.InlineKeyboardButton{}})
	default:
		m := tgbotapi.NewMessage(r.Chat, r.Text)
		m.ParseMode = tgbotapi.ModeHTML
		m.DisableWebPagePreview = true
		if len(r.Buttons) > 0 {
			m.ReplyMarkup = markup(r.Buttons)
		}
		return m
	}
}

func markup(rows [][]flows.Button) tgbotapi.InlineKeyboardMarkup {
	kb := make([][]tgbotapi.InlineKeyboardButton, 0, len(rows))
	for _, row := range rows {
		out := make([]tgbotapi.InlineKeyboardButton, 0, len(row))
		for _, btn := range row {
			if btn.URL != "" {
				out = append(out, tgbotapi.NewInlineKeyboardButtonURL(btn.Label, btn.URL))
			} else {
				out = append(out, tgbotapi.NewInlineKeyboardButtonData(btn.Label, btn.Data))
			}
		}
		kb = append(kb, out)
	}
	return tgbotapi.InlineKeyboardMarkup{InlineKeyboard: kb}
}

// Command is an entry of the bot's command menu.
type Command struct {
	Name        string
	Description string
}

// CommandSet is the command menu for one language; Lang "" is the menu for
// every language without its own.
type CommandSet struct {
	Lang     string
	Commands []Command
}

// SetCommands registers the command menus with setMyCommands, one per
// language.
func (b *Bot) SetCommands(ctx context.Context, sets []CommandSet) error {
	api := b.api(ctx, sendTimeout)
	for _, set := range sets {
		cmds := make([]tgbotapi.BotCommand, len(set.Commands))
		for i, c := range set.Commands {
			cmds[i] = tgbotapi.BotCommand{Command: c.Name, Description: c.Description}
		}
		cfg := tgbotapi.NewSetMyCommands(cmds...)
		cfg.LanguageCode = set.Lang
		if err := b.call(ctx, func() error { _, err := api.Request(cfg); return err }); err != nil {
			return fmt.Errorf("set commands for %q: %w", set.Lang, err)
		}
	}
	return nil
}

// Profile is the bot's description in one language: Description is shown
// in an empty chat before the user starts it (at most 512 characters),
// Short on the bot's profile and in shared links (at most 120). Lang ""
// is the profile for every language without its own.
type Profile struct {
	Lang        string
	Description string
	Short       string
}

// SetProfiles registers the bot's descriptions per language with
// setMyDescription and setMyShortDescription. go-telegram-bot-api v5.5.1
// predates both methods, so they go through its MakeRequest.
func (b *Bot) SetProfiles(ctx context.Context, profiles []Profile) error {
	api := b.api(ctx, sendTimeout)
	for _, p := range profiles {
		for _, call := range []struct{ method, param, value string }{
			{"setMyDescription", "description", p.Description},
			{"setMyShortDescription", "short_description", p.Short},
		} {
			params := tgbotapi.Params{}
			params.AddNonEmpty(call.param, call.value)
			params.AddNonEmpty("language_code", p.Lang)
			if err := b.call(ctx, func() error { _, err := api.MakeRequest(call.method, params); return err }); err != nil {
				return fmt.Errorf("%s for %q: %w", call.method, p.Lang, err)
			}
		}
	}
	return nil
}
