package flows

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// NoticeDeadLinks tells admins which addresses in the content no longer
// work (the weekly link check). Its list has one address a line, with what
// is wrong and what uses it.
const NoticeDeadLinks = "admin.links.dead"

// Notices are the messages a [KindNotice] event may send. Each is a
// translated frame with a {{.List}} placeholder, which the event's Text
// fills as preformatted text.
var Notices = []string{NoticeDeadLinks}

// maxNoticeList is how many characters of a notice's list are sent, so the
// message stays within Telegram's 4096; the lines left out are counted.
const maxNoticeList = 3000

// notify handles a [KindNotice] event: it sends notice ev.Notice, in the
// admin's language, with ev.Text as its list. The reply goes through the
// outbox like every other, committed before Handle returns; the session
// itself is left as it was (a notice is not the admin's activity). Notices
// go only to admins, and only to those who have a chat with the bot
// (Telegram lets no bot start one).
func (e *Engine) notify(ctx context.Context, ev Event) (Result, error) {
	if !slices.Contains(Notices, ev.Notice) {
		return Result{}, fmt.Errorf("notify: %q is not a notice", ev.Notice)
	}
	if !slices.Contains(e.admins, ev.Chat) {
		return Result{}, fmt.Errorf("notify: %s: the chat is not an admin's", ev.Notice)
	}
	s, found, err := e.store.Session(ctx, ev.Chat)
	if err != nil {
		return Result{}, fmt.Errorf("notify: %s: %w", ev.Notice, err)
	}
	if !found || s.Inactive {
		e.log.Warn("notice not sent: an admin has no chat with the bot (send it /start)", "notice", ev.Notice)
		return Result{}, nil
	}
	lang := s.Lang
	if lang == "" {
		lang = e.tr.Match("")
	}
	text, err := e.tr.Translate(lang, ev.Notice, map[string]any{"List": "<pre>" + preEscaper.Replace(clipLines(ev.Text, maxNoticeList)) + "</pre>"})
	if err != nil {
		e.log.Warn("translation problem", "lang", lang, "id", ev.Notice, "err", err)
	}
	if text == "" {
		return Result{}, fmt.Errorf("notify: %s: no text in %s", ev.Notice, lang)
	}
	out := []Reply{{Chat: ev.Chat, Op: OpSend, Text: text}}
	if err := e.store.Save(ctx, s, out); err != nil {
		return Result{}, fmt.Errorf("notify: %s: %w", ev.Notice, err)
	}
	return Result{Replies: out}, nil
}

// clipLines keeps the first whole lines of text within n characters and
// counts the rest: "… +3".
func clipLines(text string, n int) string {
	text = strings.TrimRight(text, "\n")
	if utf8.RuneCountInString(text) <= n {
		return text
	}
	lines := strings.Split(text, "\n")
	kept, size := 0, 0
	for _, l := range lines {
		size += utf8.RuneCountInString(l) + 1
		if size > n {
			break
		}
		kept++
	}
	head := strings.Join(lines[:kept], "\n")
	if kept == 0 { // the first line alone is too long: cut it
		head, kept = string([]rune(lines[0])[:n])+"…", 1
	}
	if kept == len(lines) {
		return head
	}
	return head + fmt.Sprintf("\n… +%d", len(lines)-kept)
}
