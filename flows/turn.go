package flows

import (
	"context"
	"html"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// turn is the handling of one event: it changes the session and collects
// replies.
type turn struct {
	ctx    context.Context
	e      *Engine
	c      *Content // the content as the event arrived (a reload may replace the engine's)
	s      *Session
	ev     Event
	now    time.Time
	out    []Reply
	notice string
	// prefix is said at the top of the next message shown.
	prefix string
	// forget deletes everything stored about the chat instead of saving.
	forget bool
	// changes are the reminder changes to commit with the session.
	changes []ReminderChange
	// counts are the usage counters to add with it.
	counts []Count
}

func (t *turn) run() {
	s := t.s
	if t.ev.Kind == KindBlocked {
		s.Inactive = true
		t.cancelAllReminders()
		if t.ev.Broadcast != 0 {
			t.changes = append(t.changes, Change{Delivery: &Delivery{Broadcast: t.ev.Broadcast, Chat: s.Chat, Outcome: DeliveryBlocked}})
		}
		return
	}
	if t.ev.Kind == KindReminder {
		t.reminderDue()
		return
	}
	s.Inactive = false
	if s.Lang == "" || !t.offered(s.Lang) {
		s.Lang = t.e.tr.Match(t.ev.LangCode)
	}
	t.countActive()
	if s.Draft != nil && t.drafting() {
		return
	}
	if !t.consistent() && t.ev.Kind != KindCommand {
		return
	}
	switch t.ev.Kind {
	case KindCommand:
		t.command()
	case KindText:
		t.text()
	case KindButton:
		t.button()
	case KindUnsupported:
		if t.ev.Media == "edited" {
			t.prefix = t.tr("input.edited", nil)
		} else {
			t.prefix = t.tr("common.unsupported", nil)
		}
		t.reshow()
	}
}

// consistent makes sure the session's flow and step still exist after a
// content change. When the step is gone, it says so and starts the flow
// again, keeping the answers, and returns false.
func (t *turn) consistent() bool {
	s := t.s
	if s.Flow == "" {
		return true
	}
	f := t.c.Flows[s.Flow]
	if f == nil {
		t.leaveFlow()
		return true
	}
	if f.Step(s.Step) != nil && s.FlowVersion == f.Version {
		return true
	}
	if f.Step(s.Step) != nil {
		s.FlowVersion = f.Version // same step still there: carry on
		return true
	}
	if t.ev.Kind == KindCommand {
		t.leaveFlow()
		return true
	}
	t.prefix = t.tr("common.flow_updated", nil)
	answers := s.Answers
	t.startFlow(f)
	s.Answers = answers
	return false
}

func (t *turn) leaveFlow() {
	s := t.s
	s.Flow, s.FlowVersion, s.Step, s.Paused = "", 0, "", false
	s.Answers, s.History = nil, nil
}

// active returns the open flow and its current question, or nils when the
// user is not at a question (no flow, the menu, a result).
func (t *turn) active() (*Flow, *Step) {
	s := t.s
	if s.Flow == "" || s.Paused {
		return nil, nil
	}
	f := t.c.Flows[s.Flow]
	if f == nil {
		return nil, nil
	}
	st := f.Step(s.Step)
	if st == nil || st.Type == StepResult || st.Type == StepBranch {
		return f, nil
	}
	return f, st
}

// unfinished reports whether the user left a flow before its result.
func (t *turn) unfinished() bool {
	if t.s.Flow == "" {
		return false
	}
	f := t.c.Flows[t.s.Flow]
	if f == nil {
		return false
	}
	st := f.Step(t.s.Step)
	return st != nil && st.Type != StepResult
}

// reshow shows where the user is again: the open question, else the main
// menu (a result is not repeated: it is still above).
func (t *turn) reshow() {
	s := t.s
	if s.Flow != "" && !s.Paused {
		if f := t.c.Flows[s.Flow]; f != nil {
			if st := f.Step(s.Step); st != nil && st.Type != StepResult {
				t.show(f, st)
				return
			}
		}
	}
	t.menu()
}

// ---- commands ----

var payloadPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func (t *turn) command() {
	if adminCommands[t.ev.Command] && !t.isAdmin() {
		t.unknownCommand() // for anyone but an admin, it does not exist
		return
	}
	switch t.ev.Command {
	case "stats":
		t.stats()
	case "reload":
		t.reload()
	case "broadcast":
		t.broadcastCommand()
	case "start":
		t.start(strings.TrimSpace(t.ev.Text))
	case "menu":
		t.menu()
	case "language":
		t.languagePicker()
	case "help":
		t.prefix = t.tr("common.help", nil)
		t.reshow()
	case "about":
		t.prefix = t.tr("common.about", nil)
		t.reshow()
	case "privacy":
		t.privacy()
	case "reminders":
		t.listReminders()
	case "timezone":
		t.timezonePicker()
	case "export":
		t.export()
	case "delete":
		t.confirmDelete()
	default:
		t.unknownCommand()
	}
}

func (t *turn) unknownCommand() {
	t.prefix = t.tr("common.unknown_command", map[string]any{"Command": html.EscapeString(clip(t.ev.Command, 32))})
	t.reshow()
}

func (t *turn) start(payload string) {
	if payloadPattern.MatchString(payload) {
		if f := t.c.Flows[strings.ToLower(payload)]; f != nil {
			t.count(CountDeepLink, f.ID, "", "")
			t.begin(f, "deeplink")
			return
		}
	}
	if payload != "" {
		t.count(CountDeepLink, OtherPayload, "", "")
	}
	if !t.s.LangChosen {
		t.say(t.tr("common.welcome", nil), nil)
		t.languagePicker()
		return
	}
	if t.unfinished() {
		t.resumePrompt()
		return
	}
	t.say(t.tr("common.welcome", nil), nil)
	t.menu()
}

func (t *turn) resumePrompt() {
	f := t.c.Flows[t.s.Flow]
	t.s.Paused = true
	data := map[string]any{"Topic": t.tr(f.Title, nil)}
	id := "common.resume.today"
	if days := int(t.now.Sub(t.s.Updated).Hours() / 24); days > 0 {
		id, data["Count"] = "common.resume.prompt", days
	}
	text := t.tr(id, data)
	t.say(text, [][]Button{
		{{Label: t.tr("common.resume.continue", nil), Data: Callback{Action: ActResume}.String()}},
		{{Label: t.tr("common.menu.button", nil), Data: Callback{Action: ActMenu}.String()}},
	})
}

func (t *turn) menu() {
	if t.s.Flow != "" {
		t.s.Paused = true
	}
	var rows [][]Button
	for _, f := range t.c.Menu() {
		rows = append(rows, []Button{{Label: t.tr(f.Title, nil), Data: Callback{Action: ActFlow, Flow: f.ID}.String()}})
	}
	t.say(t.tr("common.menu.prompt", nil), rows)
}

func (t *turn) languagePicker() {
	var rows [][]Button
	for i, lang := range t.e.tr.Languages() {
		label := LanguageName(lang)
		if lang == t.s.Lang {
			label = "✓ " + label
		}
		b := Button{Label: label, Data: Callback{Action: ActLanguage, Value: lang}.String()}
		if i%2 == 0 {
			rows = append(rows, []Button{b})
		} else {
			rows[len(rows)-1] = append(rows[len(rows)-1], b)
		}
	}
	t.say(t.tr("common.language.prompt", nil), rows)
}

// LanguageName returns a language's name in itself ("Deutsch",
// "Українська"), for the language picker.
func LanguageName(lang string) string {
	name := display.Self.Name(language.Make(lang))
	if name == "" {
		return lang
	}
	r, n := utf8.DecodeRuneInString(name)
	return string(unicode.ToUpper(r)) + name[n:]
}

// ---- buttons ----

func (t *turn) button() {
	cb, err := ParseCallback(t.ev.Data)
	if err != nil {
		t.expired()
		return
	}
	s := t.s
	switch cb.Action {
	case ActLanguage:
		if !t.offered(cb.Value) {
			t.expired()
			return
		}
		if cb.Value != s.Lang {
			t.count(CountSwitch, "", "", cb.Value)
		}
		s.Lang, s.LangChosen = cb.Value, true
		t.clearButtons()
		if t.unfinished() && !s.Paused {
			t.reshow()
			return
		}
		t.menu()
	case ActMenu:
		t.clearButtons()
		t.menu()
	case ActResume:
		if !t.unfinished() {
			t.expired()
			return
		}
		t.clearButtons()
		s.Paused = false
		t.reshow()
	case ActFlow:
		f := t.c.Flows[cb.Flow]
		if f == nil || f.Menu == 0 {
			t.expired()
			return
		}
		t.receipt(t.tr("common.menu.prompt", nil), t.tr(f.Title, nil))
		t.begin(f, "menu")
	case ActChoose:
		f, st := t.active()
		if st == nil || !t.current(f, cb) {
			t.expired()
			return
		}
		o := st.option(cb.Value)
		if o == nil {
			t.expired()
			return
		}
		t.receipt(t.tr(st.Text, t.data(f)), t.tr(o.Label, nil))
		t.choose(f, st, o)
	case ActPrivacy:
		switch cb.Value {
		case "export":
			t.export()
		case "delete":
			t.confirmDelete()
		case "yes":
			t.clearButtons()
			t.left("delete")
			t.forget = true
			t.say(t.tr("privacy.deleted", nil), nil)
		case "no":
			t.clearButtons()
			t.prefix = t.tr("privacy.kept", nil)
			t.reshow()
		default:
			t.expired()
		}
	case ActOffer, ActRemind, ActFollow, ActReminder:
		t.reminderButton(cb)
	case ActZone:
		t.setTimezone(cb.Value)
	case ActBroadcast:
		t.broadcastButton(cb.Value)
	case ActDetails:
		f := t.c.Flows[s.Flow]
		if s.Paused || f == nil || !t.current(f, cb) || f.Step(cb.Step).Type != StepResult {
			t.expired()
			return
		}
		t.showDetails(f, f.Step(cb.Step))
	case ActInfo:
		f := t.c.Flows[cb.Flow]
		if f == nil || f.Version != cb.Version {
			t.expired()
			return
		}
		switch {
		case cb.Value == InfoTerms && f.Terms != nil:
			t.showInfo(f, f.Terms)
		case cb.Value == InfoPeople && f.People != nil:
			t.showInfo(f, f.People)
		default:
			t.expired()
		}
	case ActBack:
		f := t.c.Flows[s.Flow]
		if s.Paused || f == nil || !t.current(f, cb) {
			t.expired()
			return
		}
		t.clearButtons()
		t.back(f)
	default:
		t.expired()
	}
}

// current reports whether a callback was made for the step the user is at.
func (t *turn) current(f *Flow, cb Callback) bool {
	return f != nil && cb.Flow == f.ID && cb.Version == f.Version && cb.Step == t.s.Step
}

// expired answers a button that no longer fits: a toast, the old buttons
// removed, and where the user is shown again.
func (t *turn) expired() {
	t.notice = t.tr("common.expired", nil)
	t.clearButtons()
	t.reshow()
}

func (t *turn) offered(lang string) bool {
	for _, l := range t.e.tr.Languages() {
		if l == lang {
			return true
		}
	}
	return false
}

// ---- text ----

// maxAnswerRunes bounds a stored free-text answer.
const maxAnswerRunes = 200

func (t *turn) text() {
	f, st := t.active()
	if st == nil {
		t.prefix = t.tr("common.menu.hint", nil)
		t.menu()
		return
	}
	text := strings.TrimSpace(t.ev.Text)
	switch st.Type {
	case StepText:
		if st.Lookup != "" {
			cat := t.c.Catalogs[st.Lookup]
			entry := cat.Match(text)
			if entry == nil {
				t.say(t.tr(st.Invalid, t.data(f)), t.buttons(f, st))
				return
			}
			t.prefix = t.tr("common.understood", map[string]any{"Label": t.tr(entry.Label, nil)})
			t.setEntry(cat, entry.ID)
			t.advance(f, st, st.Next)
			return
		}
		if text == "" {
			t.reshow()
			return
		}
		t.setAnswer(st.Answer, clip(text, maxAnswerRunes))
		t.advance(f, st, st.Next)
	case StepChoice:
		for i := range st.Options {
			o := &st.Options[i]
			if sameWords(text, t.tr(o.Label, nil)) {
				t.choose(f, st, o)
				return
			}
		}
		t.prefix = t.tr("common.use_buttons", nil)
		t.show(f, st)
	}
}

func sameWords(a, b string) bool {
	wa, wb := words(a), words(b)
	return len(wa) > 0 && strings.Join(wa, " ") == strings.Join(wb, " ")
}

// clip shortens s to at most n runes.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

// ---- moving through a flow ----

func (t *turn) startFlow(f *Flow) {
	s := t.s
	s.Flow, s.FlowVersion, s.Paused = f.ID, f.Version, false
	s.Answers, s.History = map[string]string{}, nil
	t.enter(f, f.Start)
}

func (t *turn) choose(f *Flow, st *Step, o *Option) {
	switch {
	case o.entry:
		t.setEntry(t.c.Catalogs[st.Lookup], o.ID)
	case st.Type == StepChoice:
		t.setAnswer(st.Answer, o.ID)
	}
	for k, v := range o.Answers {
		t.setAnswer(k, v)
	}
	t.advance(f, st, o.Next)
}

// setEntry stores a catalogue entry as the answer, with its own answers.
func (t *turn) setEntry(cat *Catalog, id string) {
	t.setAnswer(cat.Answer, id)
	for k, v := range cat.entry(id).Answers {
		t.setAnswer(k, v)
	}
}

func (t *turn) setAnswer(name, value string) {
	if t.s.Answers == nil {
		t.s.Answers = map[string]string{}
	}
	t.s.Answers[name] = value
}

// advance leaves question st for step next, remembering st for Back.
func (t *turn) advance(f *Flow, st *Step, next string) {
	t.s.History = append(t.s.History, st.ID)
	t.enter(f, next)
}

// enter moves to step id, passing through branches, and shows it.
func (t *turn) enter(f *Flow, id string) {
	for range len(f.Steps) + 1 {
		st := f.Step(id)
		if st == nil {
			break
		}
		if st.Type != StepBranch {
			t.s.Step = id
			t.viewed(f, st)
			t.show(f, st)
			return
		}
		id = st.Default
		for _, c := range st.Cases {
			if c.If.Holds(t.s.Answers) {
				id = c.Next
				break
			}
		}
	}
	t.e.log.Error("flow has no step to show", "flow", f.ID, "step", id)
	t.leaveFlow()
	t.menu()
}

// back returns to the previous question and forgets its answer.
func (t *turn) back(f *Flow) {
	s := t.s
	if len(s.History) == 0 {
		t.menu()
		return
	}
	prev := f.Step(s.History[len(s.History)-1])
	s.History = s.History[:len(s.History)-1]
	if prev == nil {
		t.menu()
		return
	}
	for _, name := range t.answerNames(prev) {
		delete(s.Answers, name)
	}
	s.Step = prev.ID
	t.show(f, prev)
}

// answerNames lists the answers a question stores.
func (t *turn) answerNames(st *Step) []string {
	names := []string{}
	if st.Answer != "" {
		names = append(names, st.Answer)
	}
	if cat := t.c.Catalogs[st.Lookup]; cat != nil {
		names = append(names, cat.Answer)
		for _, e := range cat.Entries {
			for k := range e.Answers {
				names = append(names, k)
			}
		}
	}
	return names
}
