package flows

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// A broadcast is a message from the admins to many users. An admin writes
// it in a short dialogue (/broadcast: segment, texts, preview with the
// dry-run count, Send); Send stores it as a [Broadcast] record. A job
// (package flows/broadcast) then walks the sessions in chat-ID order after
// the record's cursor and submits one [KindBroadcast] event per member of
// the segment; the engine commits the message for that chat together with
// the cursor's advance (a [Delivery]), so a restart continues after the
// last chat done and nobody gets it twice.

// The kinds of [Segment].
const (
	// SegmentAll is every user with a session.
	SegmentAll = "all"
	// SegmentLang is the users served in language Value.
	SegmentLang = "lang"
	// SegmentFlow is the users whose session is in flow Value: the topic
	// they opened last, whether at a question, at its result or paused at
	// the menu. Lotse keeps no history of earlier topics.
	SegmentFlow = "flow"
)

// Segment says who receives a broadcast.
type Segment struct {
	Kind  string `json:"kind"`
	Value string `json:"value,omitempty"`
}

// Has reports whether a session belongs to the segment (blocked or not).
func (g Segment) Has(s Session) bool {
	switch g.Kind {
	case SegmentAll:
		return true
	case SegmentLang:
		return s.Lang == g.Value
	case SegmentFlow:
		return s.Flow == g.Value
	}
	return false
}

// The states of a [Broadcast].
const (
	BroadcastSending = "sending"
	BroadcastDone    = "done"
	BroadcastStopped = "stopped"
)

// Broadcast is a stored broadcast and how far it got.
type Broadcast struct {
	ID      uint64  `json:"id"`
	Segment Segment `json:"segment"`
	// Texts are the texts by language, as the admin typed them (plain
	// text, escaped when sent); "" is the main text, for every language
	// without its own.
	Texts  map[string]string `json:"texts"`
	Status string            `json:"status"`
	// Cursor is the last chat done, in the store's chat order (see
	// [ChatAfter]); zero before the first.
	Cursor int64 `json:"cursor,omitempty"`
	// Sent counts the messages committed for delivery; Blocked those of
	// them Telegram refused because the user had blocked the bot meanwhile;
	// Skipped the members who had blocked it before (nothing sent).
	Sent     int       `json:"sent,omitempty"`
	Blocked  int       `json:"blocked,omitempty"`
	Skipped  int       `json:"skipped,omitempty"`
	Created  time.Time `json:"created"`
	Finished time.Time `json:"finished,omitzero"`
}

// Text returns the text for a user of lang: its own, or the main text.
func (b Broadcast) Text(lang string) string {
	if t, ok := b.Texts[lang]; ok && t != "" {
		return t
	}
	return b.Texts[""]
}

// ChatAfter reports whether chat comes after cursor in the order the store
// keeps sessions (chat IDs as unsigned numbers).
func ChatAfter(chat, cursor int64) bool { return uint64(chat) > uint64(cursor) }

// The outcomes of a [Delivery].
const (
	DeliverySent    = "sent"    // the message is in the outbox; the cursor moves to Chat
	DeliverySkipped = "skipped" // the user had blocked the bot; the cursor moves to Chat
	DeliveryBlocked = "blocked" // Telegram refused the message (403); the cursor stays
)

// Delivery records what became of one recipient of a broadcast; a store
// applies it in the transaction of the session (see [Change]).
type Delivery struct {
	Broadcast uint64
	Chat      int64
	Outcome   string
}

// ErrBroadcastDone is returned by a store for a sent or skipped [Delivery]
// whose chat is not after the broadcast's cursor, or whose broadcast is no
// longer sending: the whole transaction (with the message) is refused, so
// nobody gets a broadcast twice.
var ErrBroadcastDone = errors.New("broadcast already done for this chat, or no longer sending")

// Audience is what a segment holds now: active users by language, and how
// many members blocked the bot (they are skipped).
type Audience struct {
	Langs   map[string]int
	Blocked int
}

// Total is the number of active users.
func (a Audience) Total() int {
	n := 0
	for _, c := range a.Langs {
		n += c
	}
	return n
}

// BroadcastStore keeps broadcasts; package store implements it. New
// broadcasts and deliveries are committed through [Store.Save] ([Change]).
type BroadcastStore interface {
	// Broadcast returns one broadcast; ok is false when there is none.
	Broadcast(ctx context.Context, id uint64) (b Broadcast, ok bool, err error)
	// Broadcasts returns up to limit broadcasts, newest first.
	Broadcasts(ctx context.Context, limit int) ([]Broadcast, error)
	// Audience counts the members of a segment.
	Audience(ctx context.Context, seg Segment) (Audience, error)
}

// BroadcastDraft is an admin's broadcast while it is being written; it
// lives in the admin's session until it is sent or cancelled.
type BroadcastDraft struct {
	Segment Segment           `json:"segment"`
	Texts   map[string]string `json:"texts,omitempty"`
	// Await is what the admin's next message is: "segment", "main" (the
	// main text), a language (its own text) or "confirm".
	Await string `json:"await"`
	// Ask lists the languages still to ask for a text, in order.
	Ask []string `json:"ask,omitempty"`
}

// maxBroadcastLen bounds a broadcast's text, in UTF-16 code units as
// Telegram counts them.
const maxBroadcastLen = maxMessageLen

// maxBroadcastList is how many broadcasts /broadcast status shows.
const maxBroadcastList = 5

// maxPreview is how many characters of the main text the preview quotes.
const maxPreview = 1500

// broadcastCommand answers an admin's /broadcast: "status" lists the
// recent broadcasts, anything else starts a new draft.
func (t *turn) broadcastCommand() {
	if t.e.broadcasts == nil {
		t.s.Draft = nil
		t.say(t.tr("admin.broadcast.unavailable", nil), nil)
		return
	}
	if strings.TrimSpace(t.ev.Text) == "status" {
		t.broadcastStatus()
		return
	}
	t.s.Draft = &BroadcastDraft{Await: "segment"}
	rows := [][]Button{{{Label: t.tr("admin.broadcast.all", nil), Data: bcb("all")}}}
	for i, lang := range t.e.tr.Languages() {
		b := Button{Label: LanguageName(lang), Data: bcb("l-" + lang)}
		if i%2 == 0 {
			rows = append(rows, []Button{b})
		} else {
			rows[len(rows)-1] = append(rows[len(rows)-1], b)
		}
	}
	for _, f := range t.c.Menu() {
		rows = append(rows, []Button{{Label: t.tr(f.Title, nil), Data: bcb("f-" + f.ID)}})
	}
	rows = append(rows, []Button{{Label: t.tr("admin.broadcast.cancel", nil), Data: bcb("cancel")}})
	t.say(t.tr("admin.broadcast.segment", nil), rows)
}

// bcb is the callback data of a broadcast button.
func bcb(value string) string { return Callback{Action: ActBroadcast, Value: value}.String() }

// broadcastButton handles the buttons of the broadcast dialogue and status.
func (t *turn) broadcastButton(value string) {
	d := t.s.Draft
	if !t.isAdmin() || t.e.broadcasts == nil {
		t.expired()
		return
	}
	if id, ok := strings.CutPrefix(value, "stop-"); ok {
		t.stopBroadcast(id)
		return
	}
	if value == "cancel" && d != nil {
		t.s.Draft = nil
		t.clearButtons()
		t.say(t.tr("admin.broadcast.cancelled", nil), nil)
		return
	}
	switch {
	case d == nil:
		t.expired()
	case d.Await == "segment":
		seg, ok := t.segment(value)
		if !ok {
			t.expired()
			return
		}
		aud, err := t.e.broadcasts.Audience(t.ctx, seg)
		if err != nil {
			t.e.log.Error("broadcast audience", "err", err)
			t.say(t.tr("admin.unavailable", nil), nil)
			return
		}
		t.receipt(t.tr("admin.broadcast.segment", nil), t.segmentName(seg))
		if aud.Total() == 0 {
			t.s.Draft = nil
			t.say(t.tr("admin.broadcast.empty", nil), nil)
			return
		}
		d.Segment, d.Await = seg, "main"
		if seg.Kind != SegmentLang && len(aud.Langs) > 1 {
			for _, l := range t.e.tr.Languages() {
				if aud.Langs[l] > 0 {
					d.Ask = append(d.Ask, l)
				}
			}
		}
		t.say(t.tr("admin.broadcast.main", map[string]any{"Max": maxBroadcastLen}), [][]Button{t.cancelRow()})
	case value == "skip" && d.Await != "main" && d.Await != "confirm":
		t.clearButtons()
		t.nextText()
	case value == "rest" && d.Await != "main" && d.Await != "confirm":
		t.clearButtons()
		d.Ask = nil
		t.nextText()
	case value == "send" && d.Await == "confirm":
		b := &Broadcast{Segment: d.Segment, Texts: d.Texts, Status: BroadcastSending, Created: t.now.UTC()}
		t.changes = append(t.changes, Change{Broadcast: b})
		t.s.Draft = nil
		t.clearButtons()
		t.say(t.tr("admin.broadcast.queued", nil), nil)
	default:
		t.expired()
	}
}

// cancelRow is the Cancel button of the dialogue.
func (t *turn) cancelRow() []Button {
	return []Button{{Label: t.tr("admin.broadcast.cancel", nil), Data: bcb("cancel")}}
}

// segment decodes a segment button's value.
func (t *turn) segment(value string) (Segment, bool) {
	if value == "all" {
		return Segment{Kind: SegmentAll}, true
	}
	if lang, ok := strings.CutPrefix(value, "l-"); ok && t.offered(lang) {
		return Segment{Kind: SegmentLang, Value: lang}, true
	}
	if flow, ok := strings.CutPrefix(value, "f-"); ok && t.c.Flows[flow] != nil {
		return Segment{Kind: SegmentFlow, Value: flow}, true
	}
	return Segment{}, false
}

// segmentName describes a segment in the admin's language.
func (t *turn) segmentName(seg Segment) string {
	switch seg.Kind {
	case SegmentLang:
		return t.tr("admin.broadcast.in_lang", map[string]any{"Language": LanguageName(seg.Value)})
	case SegmentFlow:
		name := seg.Value
		if f := t.c.Flows[seg.Value]; f != nil {
			name = t.tr(f.Title, nil)
		}
		return t.tr("admin.broadcast.in_flow", map[string]any{"Topic": html.EscapeString(name)})
	}
	return t.tr("admin.broadcast.all", nil)
}

// broadcastText takes the admin's message as the text awaited.
func (t *turn) broadcastText() {
	d := t.s.Draft
	text := strings.TrimSpace(t.ev.Text)
	if text == "" {
		return
	}
	if n := len(utf16.Encode([]rune(text))); n > maxBroadcastLen {
		t.say(t.tr("admin.broadcast.too_long", map[string]any{"Length": n, "Max": maxBroadcastLen}), [][]Button{t.cancelRow()})
		return
	}
	if d.Texts == nil {
		d.Texts = map[string]string{}
	}
	if d.Await == "main" {
		d.Texts[""] = text
	} else {
		d.Texts[d.Await] = text
	}
	t.nextText()
}

// nextText asks for the next language's text, or shows the preview.
func (t *turn) nextText() {
	d := t.s.Draft
	aud, err := t.e.broadcasts.Audience(t.ctx, d.Segment)
	if err != nil {
		t.e.log.Error("broadcast audience", "err", err)
		t.say(t.tr("admin.unavailable", nil), nil)
		return
	}
	if len(d.Ask) > 0 {
		lang := d.Ask[0]
		d.Ask, d.Await = d.Ask[1:], lang
		t.say(t.tr("admin.broadcast.lang", map[string]any{"Language": LanguageName(lang), "Users": aud.Langs[lang]}), [][]Button{
			{{Label: t.tr("admin.broadcast.skip", nil), Data: bcb("skip")}},
			{{Label: t.tr("admin.broadcast.rest", nil), Data: bcb("rest")}},
			t.cancelRow(),
		})
		return
	}
	d.Await = "confirm"
	var langs []string
	for _, l := range t.e.tr.Languages() {
		if n := aud.Langs[l]; n > 0 {
			mark := ""
			if _, own := d.Texts[l]; own || d.Segment.Kind == SegmentLang {
				mark = "✎"
			}
			langs = append(langs, fmt.Sprintf("%s %d%s", l, n, mark))
		}
	}
	if n := aud.Langs[""]; n > 0 {
		langs = append(langs, fmt.Sprintf("? %d", n))
	}
	preview := []rune(d.Texts[""])
	text := string(preview)
	if len(preview) > maxPreview {
		text = string(preview[:maxPreview]) + "…"
	}
	t.say(t.tr("admin.broadcast.confirm", map[string]any{
		"Segment": t.segmentName(d.Segment), "Users": aud.Total(), "Languages": strings.Join(langs, ", "),
		"Blocked": aud.Blocked, "Text": html.EscapeString(text),
	}), [][]Button{
		{{Label: t.tr("admin.broadcast.send", nil), Data: bcb("send")}},
		t.cancelRow(),
	})
}

// broadcastStatus lists the recent broadcasts, with a Stop button for
// those still sending.
func (t *turn) broadcastStatus() {
	bs, err := t.e.broadcasts.Broadcasts(t.ctx, maxBroadcastList)
	if err != nil {
		t.e.log.Error("list broadcasts", "err", err)
		t.say(t.tr("admin.unavailable", nil), nil)
		return
	}
	if len(bs) == 0 {
		t.say(t.tr("admin.broadcast.none", nil), nil)
		return
	}
	parts := []string{t.tr("admin.broadcast.status", nil)}
	var rows [][]Button
	for _, b := range bs {
		parts = append(parts, t.tr("admin.broadcast.line", map[string]any{
			"ID": b.ID, "Date": b.Created.Format(DateLayout), "Segment": t.segmentName(b.Segment),
			"Status": t.tr("admin.broadcast.state."+b.Status, nil), "Sent": b.Sent, "Blocked": b.Blocked, "Skipped": b.Skipped,
		}))
		if b.Status == BroadcastSending {
			rows = append(rows, []Button{{Label: t.tr("admin.broadcast.stop", map[string]any{"ID": b.ID}), Data: bcb("stop-" + strconv.FormatUint(b.ID, 10))}})
		}
	}
	t.say(strings.Join(parts, "\n\n"), rows)
}

// stopBroadcast stops a broadcast that is still sending.
func (t *turn) stopBroadcast(value string) {
	id, err := strconv.ParseUint(value, 10, 64)
	if err != nil || id == 0 {
		t.expired()
		return
	}
	b, ok, err := t.e.broadcasts.Broadcast(t.ctx, id)
	if err != nil || !ok || b.Status != BroadcastSending {
		t.expired()
		return
	}
	t.changes = append(t.changes, Change{StopBroadcast: id})
	t.clearButtons()
	t.say(t.tr("admin.broadcast.stopped", map[string]any{"ID": id}), nil)
}

// deliverBroadcast handles a [KindBroadcast] event: it sends broadcast
// ev.Broadcast to chat ev.Chat if the chat is a member of its segment and
// comes after its cursor, and moves the cursor in the same transaction. A
// member who blocked the bot is skipped (and counted). Anything else (a
// repeated event, a stopped broadcast, a user who left the segment) does
// nothing. The session is left as it was: a broadcast is not the user's
// activity.
func (e *Engine) deliverBroadcast(ctx context.Context, ev Event) (Result, error) {
	if e.broadcasts == nil {
		return Result{}, errors.New("deliver broadcast: no broadcast store")
	}
	b, ok, err := e.broadcasts.Broadcast(ctx, ev.Broadcast)
	if err != nil {
		return Result{}, fmt.Errorf("deliver broadcast %d: %w", ev.Broadcast, err)
	}
	if !ok || b.Status != BroadcastSending || !ChatAfter(ev.Chat, b.Cursor) {
		return Result{Duplicate: true}, nil
	}
	s, found, err := e.store.Session(ctx, ev.Chat)
	if err != nil {
		return Result{}, fmt.Errorf("deliver broadcast %d: %w", ev.Broadcast, err)
	}
	if !found || !b.Segment.Has(s) {
		return Result{}, nil
	}
	d := Delivery{Broadcast: b.ID, Chat: ev.Chat, Outcome: DeliverySent}
	var out []Reply
	if s.Inactive {
		d.Outcome = DeliverySkipped
	} else {
		out = []Reply{{Chat: ev.Chat, Op: OpSend, Text: html.EscapeString(b.Text(s.Lang)), Broadcast: b.ID}}
	}
	err = e.store.Save(ctx, s, out, Change{Delivery: &d})
	if errors.Is(err, ErrBroadcastDone) {
		return Result{Duplicate: true}, nil // another pass got there first
	}
	if err != nil {
		return Result{}, fmt.Errorf("deliver broadcast %d: %w", ev.Broadcast, err)
	}
	return Result{Replies: out}, nil
}

// drafting routes an event while the admin writes a broadcast: a text it
// awaits is taken as the broadcast's text (and reports true); any command
// but /broadcast abandons the draft, so a later answer to a question is
// never taken for a broadcast.
func (t *turn) drafting() bool {
	d := t.s.Draft
	if !t.isAdmin() {
		t.s.Draft = nil
		return false
	}
	switch t.ev.Kind {
	case KindCommand:
		if t.ev.Command != "broadcast" {
			t.s.Draft = nil
		}
	case KindText:
		if d.Await != "segment" && d.Await != "confirm" {
			t.broadcastText()
			return true
		}
	}
	return false
}
