package flows

import (
	"html"
	"slices"
	"strconv"
	"strings"
	"time"
)

// followupDays are the delays a user can choose for a follow-up.
var followupDays = []int{7, 14, 30}

// reminderOffers returns the buttons a result offers: a follow-up
// reminder, and subscriptions to deadlines. Nothing is scheduled until the
// user presses one (opt-in).
func (t *turn) reminderOffers(f *Flow, st *Step) [][]Button {
	var rows [][]Button
	if st.Followup != nil {
		data := Callback{Action: ActOffer, Flow: f.ID, Version: f.Version, Step: st.ID}.String()
		rows = append(rows, []Button{{Label: t.tr("remind.offer", nil), Data: data}})
	}
	for _, id := range st.Deadlines {
		d := t.c.Deadlines[id]
		if _, ok := d.Next(t.now); !ok {
			continue // over: nothing to offer
		}
		label := t.tr("remind.deadline.offer", map[string]any{"Title": t.tr(d.Title, nil)})
		rows = append(rows, []Button{{Label: label, Data: Callback{Action: ActFollow, Value: id}.String()}})
	}
	return rows
}

// reminderButton handles the reminder buttons.
func (t *turn) reminderButton(cb Callback) {
	switch cb.Action {
	case ActOffer:
		f := t.c.Flows[cb.Flow]
		if f == nil || f.Version != cb.Version || f.Step(cb.Step) == nil || f.Step(cb.Step).Followup == nil {
			t.expired()
			return
		}
		var row []Button
		for _, days := range followupDays {
			data := Callback{Action: ActRemind, Flow: f.ID, Version: f.Version, Step: cb.Step, Value: strconv.Itoa(days)}.String()
			row = append(row, Button{Label: t.tr("remind.in"+strconv.Itoa(days), nil), Data: data})
		}
		t.say(t.tr("remind.when", map[string]any{"Zone": zoneName(t.tz())}), [][]Button{row})
	case ActRemind:
		f := t.c.Flows[cb.Flow]
		days, err := strconv.Atoi(cb.Value)
		if f == nil || f.Version != cb.Version || f.Step(cb.Step) == nil || f.Step(cb.Step).Followup == nil || err != nil || !slices.Contains(followupDays, days) {
			t.expired()
			return
		}
		r := &Reminder{Chat: t.s.Chat, Kind: KindFollowup, Flow: f.ID, Step: cb.Step, TZ: t.tz(),
			Due: AfterDays(t.now, days, t.tz()), Created: t.now}
		t.changes = append(t.changes, ReminderChange{Put: r})
		t.countReminder(*r, "set")
		t.clearButtons()
		t.say(t.tr("remind.set", map[string]any{"Date": t.date(r.Due)}), nil)
	case ActFollow:
		d := t.c.Deadlines[cb.Value]
		if d == nil {
			t.expired()
			return
		}
		title := t.tr(d.Title, nil)
		due, ok := d.Next(t.now)
		if !ok {
			t.say(t.tr("remind.deadline.over", map[string]any{"Title": title}), nil)
			return
		}
		for _, r := range t.reminders() {
			if r.Kind == KindDeadline && r.Deadline == d.ID {
				t.say(t.tr("remind.deadline.already", map[string]any{"Title": title, "Date": t.date(r.Due)}), nil)
				return
			}
		}
		r := &Reminder{Chat: t.s.Chat, Kind: KindDeadline, Deadline: d.ID, TZ: t.tz(), Due: due, Created: t.now}
		t.changes = append(t.changes, ReminderChange{Put: r})
		t.countReminder(*r, "set")
		t.say(t.tr("remind.deadline.set", map[string]any{"Title": title, "Date": t.date(due)}), nil)
	case ActReminder:
		r, ok, err := t.e.store.Reminder(t.ctx, cb.ID)
		if err != nil || !ok || r.Chat != t.s.Chat {
			t.expired()
			return
		}
		t.clearButtons()
		switch cb.Value {
		case "done":
			t.changes = append(t.changes, ReminderChange{Delete: r.ID})
			t.countReminder(r, "done")
			t.say(t.tr("remind.completed", nil), nil)
		case "stop":
			t.changes = append(t.changes, ReminderChange{Delete: r.ID})
			t.countReminder(r, "stop")
			t.say(t.tr("remind.stopped", nil), nil)
		case "week":
			r.Sent, r.Due = false, AfterDays(t.now, 7, r.TZ)
			t.changes = append(t.changes, ReminderChange{Put: &r})
			t.countReminder(r, "again")
			t.say(t.tr("remind.set", map[string]any{"Date": t.date(r.Due)}), nil)
		default:
			t.expired()
		}
	}
}

// reminderDue sends a due reminder, or puts it off: it moves past quiet
// hours, drops it when it is too late to be useful, and skips it when it
// is not due (a repeated dispatch) or gone (cancelled).
func (t *turn) reminderDue() {
	r, ok, err := t.e.store.Reminder(t.ctx, t.ev.Reminder)
	if err != nil {
		t.e.log.Error("load reminder", "reminder", t.ev.Reminder, "err", err)
		return
	}
	if !ok || r.Chat != t.s.Chat || r.Sent || r.Due.After(t.now) {
		return
	}
	if t.s.Inactive {
		t.changes = append(t.changes, ReminderChange{Delete: r.ID})
		return
	}
	if late := t.now.Sub(r.Due); late > t.e.grace {
		t.e.log.Info("reminder dropped: due too long ago", "reminder", r.ID, "kind", r.Kind, "late", late.Round(time.Minute))
		t.reschedule(r)
		return
	}
	if until, quiet := QuietUntil(t.now, r.TZ); quiet {
		r.Due = until
		t.changes = append(t.changes, ReminderChange{Put: &r})
		return
	}
	switch r.Kind {
	case KindFollowup:
		f := t.c.Flows[r.Flow]
		if f == nil || f.Step(r.Step) == nil || f.Step(r.Step).Followup == nil {
			t.changes = append(t.changes, ReminderChange{Delete: r.ID}) // the content changed
			return
		}
		fu := f.Step(r.Step).Followup
		text := t.tr("remind.followup", map[string]any{"Task": t.tr(fu.Text, nil)}) + "\n\n" + t.sourceLines(fu.Sources)
		id := func(v string) string { return Callback{Action: ActReminder, ID: r.ID, Value: v}.String() }
		t.say(text, [][]Button{
			{{Label: t.tr("remind.done", nil), Data: id("done")}},
			{{Label: t.tr("remind.again", nil), Data: id("week")}},
			{{Label: t.tr("remind.stop", nil), Data: id("stop")}},
		})
		r.Sent = true // kept, out of the due index, so its buttons work
		t.changes = append(t.changes, ReminderChange{Put: &r})
		t.countReminder(r, "sent")
	case KindDeadline:
		d := t.c.Deadlines[r.Deadline]
		if d == nil {
			t.changes = append(t.changes, ReminderChange{Delete: r.ID})
			return
		}
		text := t.tr(d.Text, nil) + "\n\n" + t.sourceLines(d.Sources)
		t.say(text, [][]Button{{{Label: t.tr("remind.stop", nil), Data: Callback{Action: ActReminder, ID: r.ID, Value: "stop"}.String()}}})
		t.countReminder(r, "sent")
		t.reschedule(r)
	}
}

// reschedule moves a deadline reminder to its next date, or deletes a
// reminder that has none.
func (t *turn) reschedule(r Reminder) {
	if r.Kind == KindDeadline {
		if d := t.c.Deadlines[r.Deadline]; d != nil {
			if next, ok := d.Next(t.now); ok {
				r.Due = next
				t.changes = append(t.changes, ReminderChange{Put: &r})
				return
			}
		}
	}
	t.changes = append(t.changes, ReminderChange{Delete: r.ID})
}

// listReminders answers /reminders: each pending reminder with a button to
// cancel it.
func (t *turn) listReminders() {
	rs := t.reminders()
	if len(rs) == 0 {
		t.prefix = t.tr("remind.none", nil)
		t.reshow()
		return
	}
	lines := []string{t.tr("remind.list", map[string]any{"Count": len(rs)})}
	var rows [][]Button
	for _, r := range rs {
		label := t.reminderLabel(r)
		date := t.date(r.Due)
		if r.Sent {
			date = "✓"
		}
		lines = append(lines, "• "+html.EscapeString(label)+": "+date)
		b := t.tr("remind.cancel", map[string]any{"Label": label})
		rows = append(rows, []Button{{Label: clip(b, 40), Data: Callback{Action: ActReminder, ID: r.ID, Value: "stop"}.String()}})
	}
	t.say(strings.Join(lines, "\n"), rows)
}

func (t *turn) reminderLabel(r Reminder) string {
	switch r.Kind {
	case KindFollowup:
		if f := t.c.Flows[r.Flow]; f != nil {
			return t.tr(f.Title, nil)
		}
	case KindDeadline:
		if d := t.c.Deadlines[r.Deadline]; d != nil {
			return t.tr(d.Title, nil)
		}
	}
	return "…"
}

// cancelAllReminders deletes every reminder of the chat (the user blocked
// the bot).
func (t *turn) cancelAllReminders() {
	for _, r := range t.reminders() {
		t.changes = append(t.changes, ReminderChange{Delete: r.ID})
	}
}

func (t *turn) reminders() []Reminder {
	rs, err := t.e.store.Reminders(t.ctx, t.s.Chat)
	if err != nil {
		t.e.log.Error("list reminders", "err", err)
	}
	return rs
}

func (t *turn) tz() string {
	if t.s.TZ != "" {
		return t.s.TZ
	}
	return DefaultTZ
}

// date shows a time as a date in the user's zone.
func (t *turn) date(d time.Time) string {
	return d.In(location(t.tz())).Format("2006-01-02")
}
