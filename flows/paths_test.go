package flows_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"lotse/flows"
	"lotse/flows/content"
	"lotse/flows/flowstest"
	"lotse/locales"
)

// TestEveryPath walks every path through every shipped flow, in German
// and English: every option of every question, and for a question answered
// by typing, every entry of its catalogue (by its first English or German name) and
// every button. Each path must end in a result that cites a source, with
// no dead end on the way (a question without buttons, an expired button,
// a text left untranslated or a placeholder without a value); the
// result's details and the flow's info buttons must work too.
func TestEveryPath(t *testing.T) {
	set, cat := shipped(t)
	for _, lang := range []string{"en", "de"} {
		for _, f := range set.Menu() {
			t.Run(lang+"/"+f.ID, func(t *testing.T) {
				st := flowstest.NewMemStore()
				e, err := flows.NewEngine(flows.Config{Content: set, Store: st,
					Translator: strictTranslator{t, cat}, Now: func() time.Time { return fixedNow }})
				if err != nil {
					t.Fatal(err)
				}
				w := &walker{t: t, e: e, st: st, set: set, f: f, lang: lang}
				w.walk(t.Context(), []flows.Event{{Kind: flows.KindCommand, Command: "start", Text: f.ID}})
				if w.results == 0 {
					t.Fatal("no path reached a result")
				}
				t.Logf("%d paths", w.results)
			})
		}
	}
}

type walker struct {
	t       *testing.T
	e       *flows.Engine
	st      *flowstest.MemStore
	set     *flows.Content
	f       *flows.Flow
	lang    string
	chat    int64
	update  int64
	results int
}

// play replays a path in a new chat and returns the session and the
// replies to its last event.
func (w *walker) play(ctx context.Context, path []flows.Event) (flows.Session, []flows.Reply) {
	w.chat++
	var last []flows.Reply
	msg := 0
	for i, ev := range path {
		w.update++
		ev.UpdateID, ev.Chat, ev.LangCode = w.update, w.chat, w.lang
		if ev.Kind == flows.KindButton {
			ev.MessageID = msg
		}
		res, err := w.e.Handle(ctx, ev)
		if err != nil {
			w.t.Fatalf("%s: %v", describe(path[:i+1]), err)
		}
		if res.Notice != "" {
			w.t.Fatalf("%s: the bot answered %q (an expired button?)", describe(path[:i+1]), res.Notice)
		}
		for _, r := range res.Replies {
			if r.Op == flows.OpSend {
				msg++
				for _, bad := range []string{"<no value>", "{{", "…\n", "[missing"} {
					if strings.Contains(r.Text, bad) || r.Text == "…" {
						w.t.Errorf("%s: reply contains %q:\n%s", describe(path[:i+1]), bad, r.Text)
					}
				}
			}
		}
		last = res.Replies
	}
	s, _, err := w.st.Session(ctx, w.chat)
	if err != nil {
		w.t.Fatal(err)
	}
	return s, last
}

func (w *walker) walk(ctx context.Context, path []flows.Event) {
	if len(path) > 30 {
		w.t.Fatalf("%s: path longer than 30 steps (a loop?)", describe(path))
	}
	s, replies := w.play(ctx, path)
	if s.Flow != w.f.ID {
		w.t.Fatalf("%s: left the flow (now at %q)", describe(path), s.Flow)
	}
	step := w.f.Step(s.Step)
	if step == nil {
		w.t.Fatalf("%s: at unknown step %q", describe(path), s.Step)
	}
	buttons := map[string]bool{}
	for _, r := range replies {
		for _, row := range r.Buttons {
			for _, b := range row {
				buttons[b.Data] = true
			}
		}
	}
	press := func(data string) flows.Event { return flows.Event{Kind: flows.KindButton, Data: data} }
	switch step.Type {
	case flows.StepResult:
		w.results++
		text := joinTexts(replies)
		if !strings.Contains(text, "<a href=\"https://") {
			w.t.Errorf("%s: result %q cites no source:\n%s", describe(path), step.ID, text)
		}
		for data := range buttons {
			if strings.HasPrefix(data, flows.ActDetails+":") || strings.HasPrefix(data, flows.ActInfo+":") {
				_, more := w.play(ctx, append(path[:len(path):len(path)], press(data)))
				if len(more) == 0 {
					w.t.Errorf("%s: button %s says nothing", describe(path), data)
				}
			}
		}
		return
	case flows.StepChoice, flows.StepText:
	default:
		w.t.Fatalf("%s: stopped at a %s step", describe(path), step.Type)
	}
	n := 0
	for _, o := range step.Options {
		data := flows.Callback{Action: flows.ActChoose, Flow: w.f.ID, Version: w.f.Version, Step: step.ID, Value: o.ID}.String()
		if !buttons[data] {
			w.t.Fatalf("%s: option %q is not shown", describe(path), o.ID)
		}
		w.walk(ctx, append(path[:len(path):len(path)], press(data)))
		n++
	}
	if step.Type == flows.StepText && step.Lookup != "" {
		for _, entry := range w.set.Catalogs[step.Lookup].Entries {
			names := append(entry.Names["en"], entry.Names["de"]...)
			if len(names) == 0 {
				w.t.Fatalf("catalogue entry %q has no English or German name", entry.ID)
			}
			w.walk(ctx, append(path[:len(path):len(path)], flows.Event{Kind: flows.KindText, Text: names[0]}))
			n++
		}
	}
	if n == 0 {
		w.t.Fatalf("%s: dead end at step %q", describe(path), step.ID)
	}
}

func joinTexts(rs []flows.Reply) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(r.Text)
		b.WriteString("\n")
	}
	return b.String()
}

func describe(path []flows.Event) string {
	parts := make([]string, len(path))
	for i, ev := range path {
		switch ev.Kind {
		case flows.KindCommand:
			parts[i] = "/" + ev.Command + " " + ev.Text
		case flows.KindButton:
			parts[i] = "[" + ev.Data + "]"
		default:
			parts[i] = fmt.Sprintf("%q", ev.Text)
		}
	}
	return strings.Join(parts, " → ")
}

// shipped loads the content and texts Lotse ships, with every text strict.
func shipped(t *testing.T) (*flows.Content, *locales.Catalog) {
	t.Helper()
	set, err := flows.Load(content.Files)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	cat.Strict = true
	return set, cat
}
