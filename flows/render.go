package flows

import (
	"html"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// maxMessageLen keeps a message under Telegram's 4096 characters (counted
// after entity parsing, in UTF-16 code units), with some room to spare.
const maxMessageLen = 4000

// show says a step: its question with buttons, or its result.
func (t *turn) show(f *Flow, st *Step) {
	if st.Type == StepResult {
		t.showResult(f, st)
		return
	}
	t.say(t.tr(st.Text, t.data(f)), t.buttons(f, st))
}

// buttons returns a question's option buttons and the Back and Main menu
// row.
func (t *turn) buttons(f *Flow, st *Step) [][]Button {
	var rows [][]Button
	for _, o := range st.Options {
		data := Callback{Action: ActChoose, Flow: f.ID, Version: f.Version, Step: st.ID, Value: o.ID}.String()
		rows = append(rows, []Button{{Label: t.tr(o.Label, nil), Data: data}})
	}
	if st.ID == f.Start {
		rows = t.infoRow(rows, f)
	}
	return append(rows, t.nav(f, st))
}

// infoRow adds the flow's "in plain words" and "talk to a person" buttons,
// if it has them.
func (t *turn) infoRow(rows [][]Button, f *Flow) [][]Button {
	var row []Button
	if f.Terms != nil {
		row = append(row, Button{Label: t.tr("common.terms.button", nil), Data: Callback{Action: ActInfo, Flow: f.ID, Version: f.Version, Value: InfoTerms}.String()})
	}
	if f.People != nil {
		row = append(row, Button{Label: t.tr("common.people.button", nil), Data: Callback{Action: ActInfo, Flow: f.ID, Version: f.Version, Value: InfoPeople}.String()})
	}
	if row == nil {
		return rows
	}
	return append(rows, row)
}

// The values of an ActInfo callback.
const (
	InfoTerms  = "terms"
	InfoPeople = "people"
)

func (t *turn) nav(f *Flow, st *Step) []Button {
	return []Button{
		{Label: t.tr("common.back", nil), Data: Callback{Action: ActBack, Flow: f.ID, Version: f.Version, Step: st.ID}.String()},
		{Label: t.tr("common.menu.button", nil), Data: Callback{Action: ActMenu}.String()},
	}
}

// showResult says a result: its blocks whose conditions hold, the sources
// they cite, and link buttons. A result too long for one message is split
// between blocks.
func (t *turn) showResult(f *Flow, st *Step) {
	parts, more := t.blocks(f, st, false)
	var rows [][]Button
	for _, l := range st.Links {
		rows = append(rows, []Button{{Label: t.tr(l.Label, nil), URL: l.URL}})
	}
	if more {
		rows = append(rows, []Button{{Label: t.tr("common.more", nil), Data: Callback{Action: ActDetails, Flow: f.ID, Version: f.Version, Step: st.ID}.String()}})
	}
	rows = t.infoRow(rows, f)
	rows = append(rows, t.reminderOffers(f, st)...)
	rows = append(rows, t.nav(f, st))
	t.sayParts(parts, rows)
}

// showDetails says the details blocks of a result.
func (t *turn) showDetails(f *Flow, st *Step) {
	parts, _ := t.blocks(f, st, true)
	t.sayParts(parts, [][]Button{t.nav(f, st)})
}

// blocks renders the blocks of a result whose conditions hold, either the
// main ones or the details, followed by the sources they cite. more
// reports whether details would hold as well.
func (t *turn) blocks(f *Flow, st *Step, details bool) (parts []string, more bool) {
	data := t.data(f)
	var cited []string
	for _, b := range st.Blocks {
		if !b.If.Holds(t.s.Answers) {
			continue
		}
		if b.Details != details {
			more = more || b.Details
			continue
		}
		parts = append(parts, t.tr(b.Text, data))
		cited = appendNew(cited, b.Sources...)
	}
	if len(cited) > 0 {
		parts = append(parts, t.sourceLines(cited))
	}
	return parts, more
}

// showInfo says a flow's terms or advice services.
func (t *turn) showInfo(f *Flow, in *Info) {
	parts := []string{t.tr(in.Text, t.data(f))}
	if len(in.Sources) > 0 {
		parts = append(parts, t.sourceLines(in.Sources))
	}
	if st := f.Step(t.s.Step); st != nil && f.ID == t.s.Flow && !t.s.Paused {
		if st.Type != StepResult {
			// Questions come back below the explanation, so the
			// conversation goes on at the bottom of the chat.
			t.sayParts(parts, nil)
			t.show(f, st)
			return
		}
		t.sayParts(parts, [][]Button{t.nav(f, st)})
		return
	}
	t.sayParts(parts, [][]Button{{{Label: t.tr("common.menu.button", nil), Data: Callback{Action: ActMenu}.String()}}})
}

// sayParts says paragraphs in as few messages as fit, with the buttons
// under the last one.
func (t *turn) sayParts(parts []string, rows [][]Button) {
	msgs := pack(parts, maxMessageLen-VisibleLen(t.prefix))
	for i, m := range msgs {
		if i == len(msgs)-1 {
			t.say(m, rows)
		} else {
			t.say(m, nil)
		}
	}
}

// appendNew appends the ids not yet in list.
func appendNew(list []string, ids ...string) []string {
	for _, id := range ids {
		if !slices.Contains(list, id) {
			list = append(list, id)
		}
	}
	return list
}

// sourceLines renders the "Sources" paragraph for the cited sources.
func (t *turn) sourceLines(cited []string) string {
	lines := []string{t.tr("common.sources", nil)}
	for _, id := range cited {
		src := t.c.Sources[id]
		lines = append(lines, t.tr("common.source", map[string]any{
			"URL":  html.EscapeString(src.URL),
			"Name": html.EscapeString(src.Name),
			"Date": src.Checked.Format("2006-01-02"),
		}))
	}
	return strings.Join(lines, "\n")
}

// pack joins paragraphs into as few messages of at most max visible
// characters as it can, never splitting a paragraph unless it alone is too
// long (then at a line break).
func pack(parts []string, max int) []string {
	var msgs []string
	var cur strings.Builder
	n := 0
	flush := func() {
		if cur.Len() > 0 {
			msgs = append(msgs, cur.String())
			cur.Reset()
			n = 0
		}
	}
	for _, p := range parts {
		pn := VisibleLen(p)
		if n > 0 && n+2+pn > max {
			flush()
		}
		for pn > max { // a paragraph longer than a message: cut at a line
			head, tail := cutLines(p, max)
			msgs = append(msgs, head)
			p, pn = tail, VisibleLen(tail)
		}
		if n > 0 {
			cur.WriteString("\n\n")
			n += 2
		}
		cur.WriteString(p)
		n += pn
	}
	flush()
	if len(msgs) == 0 {
		msgs = []string{""}
	}
	return msgs
}

// cutLines splits an over-long paragraph after the last whole line that
// keeps the head within max visible characters (or within max runes of raw
// text when a single line is too long, which content checks prevent).
func cutLines(p string, max int) (head, tail string) {
	lines := strings.SplitAfter(p, "\n")
	n := 0
	for i, l := range lines {
		ln := VisibleLen(l)
		if n+ln > max {
			if i == 0 {
				r := []rune(p)
				return string(r[:max]), string(r[max:])
			}
			return strings.TrimRight(strings.Join(lines[:i], ""), "\n"), strings.Join(lines[i:], "")
		}
		n += ln
	}
	return p, ""
}

// VisibleLen is the length Telegram counts for an HTML text: tags do not
// count, an entity counts as one character, and characters are counted in
// UTF-16 code units.
func VisibleLen(s string) int {
	n := 0
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			if end := strings.IndexByte(s[i:], '>'); end >= 0 {
				i += end + 1
				continue
			}
		case '&':
			if end := strings.IndexByte(s[i:], ';'); end > 1 && end <= 10 {
				n++
				i += end + 1
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		n += utf16.RuneLen(r)
		if utf16.RuneLen(r) < 0 {
			n++ // invalid UTF-8 arrives as U+FFFD: one unit
		}
		i += size
	}
	return n
}

// data returns the placeholders for a flow's texts: each answer as the
// user will recognise it (an option's or catalogue entry's label in the
// user's language, or the user's own words), escaped.
func (t *turn) data(f *Flow) map[string]any {
	figs := t.c.figures(t.s.Lang)
	if len(t.s.Answers) == 0 && len(figs) == 0 {
		return nil
	}
	d := make(map[string]any, len(t.s.Answers)+len(figs))
	for k, v := range figs {
		d[k] = v
	}
	for name, v := range t.s.Answers {
		d[name] = html.EscapeString(v)
	}
	for _, st := range f.Steps {
		switch {
		case st.Type == StepChoice && st.Answer != "":
			if o := st.option(t.s.Answers[st.Answer]); o != nil {
				d[st.Answer] = html.EscapeString(t.tr(o.Label, nil))
			}
		case st.Lookup != "":
			cat := t.c.Catalogs[st.Lookup]
			if e := cat.entry(t.s.Answers[cat.Answer]); e != nil {
				d[cat.Answer] = html.EscapeString(t.tr(e.Label, nil))
			}
		}
	}
	return d
}

// say queues a new message; the pending prefix goes on top.
func (t *turn) say(text string, buttons [][]Button) {
	if t.prefix != "" {
		text = t.prefix + "\n\n" + text
		t.prefix = ""
	}
	t.out = append(t.out, Reply{Chat: t.s.Chat, Op: OpSend, Text: text, Buttons: buttons})
}

// receipt turns the message whose button was pressed into a record of the
// choice: its text followed by the chosen label, without buttons.
func (t *turn) receipt(text, label string) {
	if t.ev.MessageID == 0 {
		return
	}
	text += "\n\n" + t.tr("common.chosen", map[string]any{"Label": html.EscapeString(label)})
	t.out = append(t.out, Reply{Chat: t.s.Chat, Op: OpEdit, MessageID: t.ev.MessageID, Text: text})
}

// clearButtons removes the buttons of the message whose button was pressed.
func (t *turn) clearButtons() {
	if t.ev.MessageID == 0 {
		return
	}
	t.out = append(t.out, Reply{Chat: t.s.Chat, Op: OpClearButtons, MessageID: t.ev.MessageID})
}

// tr translates a message ID in the session's language. It never returns
// an ID: a missing text is logged and replaced by an ellipsis.
func (t *turn) tr(id string, data map[string]any) string {
	s, err := t.e.tr.Translate(t.s.Lang, id, data)
	if err != nil {
		t.e.log.Warn("translation problem", "lang", t.s.Lang, "id", id, "err", err)
	}
	if s == "" {
		return "…"
	}
	return s
}
