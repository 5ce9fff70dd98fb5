package flows

import (
	"strings"
	"time"
)

// Usage counters are aggregate and anonymous: each is a number per UTC
// day, named by what happened and where in the content, never by who. A
// turn collects them and the store adds them in the same transaction as
// the session change that caused them (see [Change]).
//
// A counter's key is "date|kind|flow|step|label", always five fields,
// empty where they do not apply, e.g. "2026-11-24|start|recognition||deeplink".
// The fields hold only content IDs (which match [a-z][a-z0-9_]*), language
// codes and the fixed words below: nothing a user typed.

// The kinds of counters, with what their fields hold.
const (
	// CountStart is a flow started: Flow, and Label "menu" (a menu button)
	// or "deeplink" (/start <flow>).
	CountStart = "start"
	// CountDeepLink is a /start with a payload: Flow is the flow it names,
	// or [OtherPayload] for a payload that names none.
	CountDeepLink = "deeplink"
	// CountView is a step shown on the way forward (the flow's start, or
	// after an answer): Flow and Step. Back and repeats are not counted.
	CountView = "view"
	// CountComplete is a result reached: Flow and the result's Step.
	CountComplete = "complete"
	// CountLeave is a flow left for good before its result: Flow and the
	// Step the user was at, Label "flow" (started a flow instead) or
	// "delete" (deleted their data).
	CountLeave = "leave"
	// CountSession is a user active on a day (their first event of the UTC
	// day): Label is the language.
	CountSession = "session"
	// CountNew is a new user (first contact): Label is the language first
	// guessed.
	CountNew = "new"
	// CountSwitch is a user choosing a language other than the one they
	// were served in: Label is the language chosen.
	CountSwitch = "switch"
	// CountReminder is a reminder event: Flow and Step of a follow-up's
	// result, or Flow "deadline" and Step the deadline's ID; Label "set",
	// "sent", "done", "again" (in a week) or "stop".
	CountReminder = "reminder"
)

// CounterKinds lists the kinds in the order reports show them.
var CounterKinds = []string{CountStart, CountDeepLink, CountView, CountComplete, CountLeave,
	CountSession, CountNew, CountSwitch, CountReminder}

// OtherPayload is what a deep-link counter records for a /start payload
// that names no flow: what users typed is never stored. It cannot be a
// flow ID.
const OtherPayload = "(other)"

// DateLayout is the layout of a counter's date: a UTC day.
const DateLayout = "2006-01-02"

// Counter names one counter of one day.
type Counter struct {
	Date, Kind, Flow, Step, Label string
}

// Key returns the counter's storage key, "date|kind|flow|step|label".
// Keys sort by date first.
func (c Counter) Key() string {
	return c.Date + "|" + c.Kind + "|" + c.Flow + "|" + c.Step + "|" + c.Label
}

// ParseCounter splits a key made by [Counter.Key]; ok is false for
// anything else.
func ParseCounter(key string) (c Counter, ok bool) {
	f := strings.Split(key, "|")
	if len(f) != 5 {
		return c, false
	}
	if _, err := time.Parse(DateLayout, f[0]); err != nil {
		return c, false
	}
	return Counter{Date: f[0], Kind: f[1], Flow: f[2], Step: f[3], Label: f[4]}, true
}

// Count adds N to the counter with key Key.
type Count struct {
	Key string
	N   uint64
}

// Change is a change committed together with a session: Put stores a
// reminder (a zero ID gets a new one), Delete removes one, and Counts are
// added to the usage counters. Broadcast stores a new broadcast (its ID is
// set), Delivery records one recipient of a broadcast (see
// [ErrBroadcastDone]), and StopBroadcast stops a broadcast still sending.
type Change struct {
	Put           *Reminder
	Delete        uint64
	Counts        []Count
	Broadcast     *Broadcast
	Delivery      *Delivery
	StopBroadcast uint64
}

// ReminderChange is the name [Change] had when it only changed reminders.
type ReminderChange = Change

// StatsDays is how many UTC days /stats counts: today and the days before.
const StatsDays = 30

// StatsPeriod returns the first and the last UTC day /stats counts at now.
func StatsPeriod(now time.Time) (from, to time.Time) {
	y, m, d := now.UTC().Date()
	to = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return to.AddDate(0, 0, -(StatsDays - 1)), to
}

// count records one event for the usage counters, dated today (UTC).
func (t *turn) count(kind, flow, step, label string) {
	c := Counter{Date: t.now.UTC().Format(DateLayout), Kind: kind, Flow: flow, Step: step, Label: label}
	t.counts = append(t.counts, Count{Key: c.Key(), N: 1})
}

// begin starts flow f at the user's request; entry says how ("menu",
// "deeplink"). An unfinished flow the user was in counts as left.
func (t *turn) begin(f *Flow, entry string) {
	t.left("flow")
	t.count(CountStart, f.ID, "", entry)
	t.startFlow(f)
}

// viewed counts a step reached on the way forward, and a result reached
// as a completion.
func (t *turn) viewed(f *Flow, st *Step) {
	t.count(CountView, f.ID, st.ID, "")
	if st.Type == StepResult {
		t.count(CountComplete, f.ID, st.ID, "")
	}
}

// countActive counts a user's first event of the UTC day, and a new user.
// It runs before the session's Updated moves to now.
func (t *turn) countActive() {
	if t.s.Updated.IsZero() {
		t.count(CountNew, "", "", t.s.Lang)
	}
	if t.s.Updated.IsZero() || !sameUTCDay(t.s.Updated, t.now) {
		t.count(CountSession, "", "", t.s.Lang)
	}
}

// left counts leaving an unfinished flow for good, at the step the user
// is at; how says why ("flow", "delete").
func (t *turn) left(how string) {
	if t.unfinished() {
		t.count(CountLeave, t.s.Flow, t.s.Step, how)
	}
}

// countReminder counts an event of a reminder.
func (t *turn) countReminder(r Reminder, label string) {
	if r.Kind == KindDeadline {
		t.count(CountReminder, "deadline", r.Deadline, label)
		return
	}
	t.count(CountReminder, r.Flow, r.Step, label)
}

// sameUTCDay reports whether a and b fall on the same UTC day.
func sameUTCDay(a, b time.Time) bool {
	ay, am, ad := a.UTC().Date()
	by, bm, bd := b.UTC().Date()
	return ay == by && am == bm && ad == bd
}
