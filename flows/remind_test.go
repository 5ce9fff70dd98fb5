package flows_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"lotse/flows"
	"lotse/flows/flowstest"
	"lotse/flows/remind"
)

var berlin = func() *time.Location {
	l, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return l
}()

func TestQuietUntil(t *testing.T) {
	tests := []struct {
		name  string
		at    time.Time
		tz    string
		quiet bool
		until time.Time
	}{
		{"afternoon", time.Date(2026, 11, 24, 15, 0, 0, 0, berlin), "", false, time.Time{}},
		{"20:59", time.Date(2026, 11, 24, 20, 59, 0, 0, berlin), "", false, time.Time{}},
		{"21:00", time.Date(2026, 11, 24, 21, 0, 0, 0, berlin), "", true, time.Date(2026, 11, 25, 8, 0, 0, 0, berlin)},
		{"03:00", time.Date(2026, 11, 24, 3, 0, 0, 0, berlin), "", true, time.Date(2026, 11, 24, 8, 0, 0, 0, berlin)},
		{"07:59", time.Date(2026, 11, 24, 7, 59, 0, 0, berlin), "Europe/Berlin", true, time.Date(2026, 11, 24, 8, 0, 0, 0, berlin)},
		// Spring forward (28 March 2027): 01:30 CET is quiet until 08:00 CEST.
		{"spring forward", time.Date(2027, 3, 28, 0, 30, 0, 0, time.UTC), "", true, time.Date(2027, 3, 28, 6, 0, 0, 0, time.UTC)},
		// Another zone: 22:00 in Kolkata is 17:30 in Berlin, but quiet there.
		{"Kolkata", time.Date(2026, 11, 24, 16, 30, 0, 0, time.UTC), "Asia/Kolkata", true, time.Date(2026, 11, 25, 2, 30, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		until, quiet := flows.QuietUntil(tt.at, tt.tz)
		if quiet != tt.quiet || quiet && !until.Equal(tt.until) {
			t.Errorf("%s: QuietUntil(%v) = %v, %v; want %v, %v", tt.name, tt.at, until, quiet, tt.until, tt.quiet)
		}
	}
}

func TestAfterDaysKeepsLocalTimeAcrossDST(t *testing.T) {
	start := time.Date(2027, 3, 21, 10, 0, 0, 0, berlin) // CET, UTC+1
	got := flows.AfterDays(start, 7, "Europe/Berlin")    // 28 March: CEST, UTC+2
	if want := time.Date(2027, 3, 28, 8, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("AfterDays = %v, want %v (10:00 local)", got, want)
	}
	autumn := flows.AfterDays(time.Date(2026, 10, 20, 10, 0, 0, 0, berlin), 7, "")
	if want := time.Date(2026, 10, 27, 9, 0, 0, 0, time.UTC); !autumn.Equal(want) {
		t.Errorf("AfterDays across fall back = %v, want %v", autumn, want)
	}
}

func TestDeadlineNext(t *testing.T) {
	c := loadFixture(t)
	d := c.Deadlines["fixdl"]
	// 1 March 09:00 Berlin (CET), 7 days ahead: 22 February 09:00 CET.
	got, ok := d.Next(time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC))
	if want := time.Date(2027, 2, 22, 8, 0, 0, 0, time.UTC); !ok || !got.Equal(want) {
		t.Errorf("Next = %v, %v; want %v", got, ok, want)
	}
	// After the 2027 reminder: the 2028 one (until 2028-03-01 still holds).
	got, ok = d.Next(time.Date(2027, 2, 23, 0, 0, 0, 0, time.UTC))
	if want := time.Date(2028, 2, 23, 8, 0, 0, 0, time.UTC); !ok || !got.Equal(want) {
		t.Errorf("Next after the first = %v, %v; want %v", got, ok, want)
	}
	if got, ok := d.Next(time.Date(2028, 2, 24, 0, 0, 0, 0, time.UTC)); ok {
		t.Errorf("Next after the last deadline = %v, want none", got)
	}
}

// clock is a settable fake clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// dispatch runs one reminder pass through the engine and returns what it
// said.
func dispatch(t *testing.T, e *flows.Engine, st *flowstest.MemStore, c *clock, chat *flowstest.Chat) string {
	t.Helper()
	var lines []string
	d := &remind.Dispatcher{Store: st, Now: c.now, Submit: func(ctx context.Context, ev flows.Event) error {
		res, err := e.Handle(ctx, ev)
		lines = append(lines, chat.Render(res)...)
		return err
	}}
	if _, err := d.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

func toResult(t *testing.T, e *flows.Engine) *flowstest.Chat {
	t.Helper()
	chat := walk(t, e)
	for _, line := range []string{"nurse", "[In the EU]"} {
		if _, err := chat.Do(t.Context(), line); err != nil {
			t.Fatal(err)
		}
	}
	return chat
}

// TestFollowupLifeCycle: a follow-up is set only when asked for, sent when
// due (once), put off over quiet hours, snoozed a week, and done.
func TestFollowupLifeCycle(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)} // 13:00 in Berlin
	e, st := newEngineAt(t, c.now)
	chat := toResult(t, e)
	if rs, _ := st.Reminders(t.Context(), 7); len(rs) != 0 {
		t.Fatalf("a reminder exists before the user asked: %+v", rs)
	}
	chat.Do(t.Context(), "[⏰ Remind me to do this]")
	got := joined(chat.Do(t.Context(), "[In 1 week]"))
	if !strings.Contains(got, "I will remind you on 2026-12-01") {
		t.Errorf("setting the follow-up: %s", got)
	}
	if out := dispatch(t, e, st, c, chat); out != "" {
		t.Errorf("a pass before the reminder is due said: %s", out)
	}

	c.t = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC) // due
	out := dispatch(t, e, st, c, chat)
	if !strings.Contains(out, "Reminder:</b> call the finder") || !strings.Contains(out, "[✅ Done") || !strings.Contains(out, "example.org/finder") {
		t.Errorf("the due follow-up: %s", out)
	}
	if again := dispatch(t, e, st, c, chat); again != "" {
		t.Errorf("a second pass sent it again: %s", again)
	}

	c.t = time.Date(2026, 12, 1, 21, 30, 0, 0, time.UTC) // the user snoozes at 22:30 Berlin time
	got = joined(chat.Do(t.Context(), "[⏰ Again in a week]"))
	if !strings.Contains(got, "2026-12-08") {
		t.Errorf("snooze: %s", got)
	}
	c.t = time.Date(2026, 12, 8, 21, 30, 0, 0, time.UTC) // due at 22:30 in Berlin: quiet
	if out := dispatch(t, e, st, c, chat); out != "" {
		t.Errorf("a reminder went out in quiet hours: %s", out)
	}
	c.t = time.Date(2026, 12, 9, 7, 0, 0, 0, time.UTC) // 08:00 in Berlin
	if out := dispatch(t, e, st, c, chat); !strings.Contains(out, "call the finder") {
		t.Errorf("after quiet hours: %q", out)
	}
	got = joined(chat.Do(t.Context(), "[✅ Done]"))
	if !strings.Contains(got, "Well done") {
		t.Errorf("done: %s", got)
	}
	if rs, _ := st.Reminders(t.Context(), 7); len(rs) != 0 {
		t.Errorf("reminders after done: %+v", rs)
	}
}

// TestSpringForwardReminderSentOnce: a reminder due at 02:30 on the day the
// clocks go forward (that time does not exist) is sent once, at 08:00.
func TestSpringForwardReminderSentOnce(t *testing.T) {
	c := &clock{t: time.Date(2027, 3, 21, 1, 30, 0, 0, time.UTC)} // 02:30 CET
	e, st := newEngineAt(t, c.now)
	chat := toResult(t, e)
	chat.Do(t.Context(), "[⏰ Remind me to do this]")
	chat.Do(t.Context(), "[In 1 week]")
	sent := 0
	for c.t = time.Date(2027, 3, 28, 0, 0, 0, 0, time.UTC); c.t.Before(time.Date(2027, 3, 28, 12, 0, 0, 0, time.UTC)); c.t = c.t.Add(time.Minute) {
		if out := dispatch(t, e, st, c, chat); strings.Contains(out, "Reminder:") {
			sent++
			if c.t.In(berlin).Hour() != 8 {
				t.Errorf("sent at %v local, want 08:00", c.t.In(berlin))
			}
		}
	}
	if sent != 1 {
		t.Errorf("sent %d times, want once", sent)
	}
}

func TestStaleReminderDroppedAndBlockCancels(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
	e, st := newEngineAt(t, c.now)
	chat := toResult(t, e)
	chat.Do(t.Context(), "[⏰ Remind me to do this]")
	chat.Do(t.Context(), "[In 1 week]")
	chat.Do(t.Context(), "[🔔 Remind me: Demo deadline]")
	c.t = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC) // 3 days after the follow-up was due (downtime)
	if out := dispatch(t, e, st, c, chat); out != "" {
		t.Errorf("a stale reminder was sent: %s", out)
	}
	rs, _ := st.Reminders(t.Context(), 7)
	if len(rs) != 1 || rs[0].Kind != flows.KindDeadline {
		t.Fatalf("after the stale follow-up: %+v, want only the deadline left", rs)
	}
	if _, err := e.Handle(t.Context(), flows.Event{Chat: 7, Kind: flows.KindBlocked}); err != nil {
		t.Fatal(err)
	}
	if rs, _ := st.Reminders(t.Context(), 7); len(rs) != 0 {
		t.Errorf("reminders after the user blocked the bot: %+v", rs)
	}
}

func TestDeadlineSubscription(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
	e, st := newEngineAt(t, c.now)
	chat := toResult(t, e)
	got := joined(chat.Do(t.Context(), "[🔔 Remind me: Demo deadline]"))
	if !strings.Contains(got, "on 2027-02-22") {
		t.Errorf("subscribing: %s", got)
	}
	got = joined(chat.Press(t.Context(), chat.Last(), "s:fixdl"))
	if !strings.Contains(got, "You already have this reminder") {
		t.Errorf("subscribing twice: %s", got)
	}
	got = joined(chat.Do(t.Context(), "/reminders"))
	if !strings.Contains(got, "You have 1 reminder:") || !strings.Contains(got, "Demo deadline: 2027-02-22") {
		t.Errorf("/reminders: %s", got)
	}
	c.t = time.Date(2027, 2, 22, 8, 0, 0, 0, time.UTC)
	if out := dispatch(t, e, st, c, chat); !strings.Contains(out, "The demo deadline is on 1 March") {
		t.Errorf("the deadline reminder: %q", out)
	}
	rs, _ := st.Reminders(t.Context(), 7)
	if len(rs) != 1 || !rs[0].Due.Equal(time.Date(2028, 2, 23, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("after sending, the deadline reminder is %+v, want next year's", rs)
	}
	chat.Do(t.Context(), "/reminders")
	got = joined(chat.Do(t.Context(), "[🛑 Cancel: Demo deadline]"))
	if !strings.Contains(got, "cancelled") {
		t.Errorf("cancel: %s", got)
	}
	if rs, _ := st.Reminders(t.Context(), 7); len(rs) != 0 {
		t.Errorf("after cancelling: %+v", rs)
	}
	got = joined(chat.Do(t.Context(), "/reminders"))
	if !strings.Contains(got, "You have no reminders") {
		t.Errorf("/reminders with none: %s", got)
	}
}

func loadFixture(t *testing.T) *flows.Content {
	t.Helper()
	c, err := flows.Load(os.DirFS("testdata/content"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTimezoneSetting: /timezone changes the zone; quiet hours and the
// user's pending reminders follow it.
func TestTimezoneSetting(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
	e, st := newEngineAt(t, c.now)
	chat := toResult(t, e)
	chat.Do(t.Context(), "[⏰ Remind me to do this]")
	chat.Do(t.Context(), "[In 1 week]")
	got := joined(chat.Do(t.Context(), "/timezone"))
	if !strings.Contains(got, "<b>Berlin</b>") || !strings.Contains(got, "[✓ Berlin · 13:00") || !strings.Contains(got, "[Kabul · 16:30") {
		t.Fatalf("/timezone: %s", got)
	}
	got = joined(chat.Do(t.Context(), "[Kabul · 16:30]"))
	if !strings.Contains(got, "your time zone is now Kabul") {
		t.Errorf("choosing Kabul: %s", got)
	}
	rs, _ := st.Reminders(t.Context(), 7)
	if len(rs) != 1 || rs[0].TZ != "Asia/Kabul" {
		t.Fatalf("reminder after the change: %+v", rs)
	}
	// Due at 13:00 Berlin = 16:30 in Kabul: fine. But at 17:00 UTC (21:30
	// in Kabul) it would be quiet there, though not in Berlin.
	c.t = time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC)
	rs[0].Due = c.t
	st.Save(t.Context(), flows.Session{Chat: 99}, nil, flows.ReminderChange{Put: &rs[0]})
	if out := dispatch(t, e, st, c, chat); out != "" {
		t.Errorf("a reminder went out at 21:30 in Kabul: %s", out)
	}
}
