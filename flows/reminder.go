package flows

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
)

// ReminderKind says what a reminder is for.
type ReminderKind string

// The kinds of reminders.
const (
	// KindFollowup reminds a user of a task a flow's result named, after a
	// delay the user chose ("in 1 week").
	KindFollowup ReminderKind = "followup"
	// KindDeadline warns a user ahead of a recurring deadline from the
	// content.
	KindDeadline ReminderKind = "deadline"
)

// Reminder is a scheduled message to one user, stored until it is sent
// (then deleted, or moved to its next date) or cancelled.
type Reminder struct {
	// ID is set by the store.
	ID   uint64       `json:"id"`
	Chat int64        `json:"chat"`
	Kind ReminderKind `json:"kind"`
	// Flow and Step name the result whose follow-up this is; Deadline the
	// deadline's ID.
	Flow     string `json:"flow,omitempty"`
	Step     string `json:"step,omitempty"`
	Deadline string `json:"deadline,omitempty"`
	// Due is when to send it, in UTC; TZ is the user's time zone, for quiet
	// hours and dates shown to the user.
	Due time.Time `json:"due"`
	TZ  string    `json:"tz"`
	// Sent is true once a follow-up went out; it is kept (out of the due
	// index) so its buttons still work, until the user answers.
	Sent    bool      `json:"sent,omitempty"`
	Created time.Time `json:"created"`
}

// DeadlineDef is a recurring deadline from the content (deadlines.toml):
// users subscribe to it from a result and are told Lead ahead of it.
type DeadlineDef struct {
	ID string `toml:"-"`
	// Spec is a cron spec (with CRON_TZ) of the deadline itself, e.g.
	// "CRON_TZ=Europe/Berlin 0 9 30 6 *" for 30 June, 09:00.
	Spec string `toml:"spec"`
	// Lead is how long before the deadline the reminder goes out, e.g.
	// "720h"; Until ends the deadline (no reminders after it).
	Lead  duration  `toml:"lead"`
	Until time.Time `toml:"until"`
	// Title names the deadline (button label), Text is the reminder; both
	// message IDs. Sources back the date.
	Title   string   `toml:"title"`
	Text    string   `toml:"text"`
	Sources []string `toml:"sources"`

	schedule cron.Schedule
}

// Next returns when the next reminder for the deadline is due after t:
// the next deadline whose reminder time is after t, minus the lead time.
// ok is false when the deadline has ended.
func (d *DeadlineDef) Next(t time.Time) (time.Time, bool) {
	from := t.Add(time.Duration(d.Lead))
	next := d.schedule.Next(from)
	if next.IsZero() || !d.Until.IsZero() && next.After(d.Until.Add(24*time.Hour)) {
		return time.Time{}, false
	}
	return next.Add(-time.Duration(d.Lead)).UTC(), true
}

// duration is a time.Duration written as "720h" in TOML.
type duration time.Duration

// UnmarshalText parses a Go duration string.
func (d *duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("duration %q: %w", b, err)
	}
	*d = duration(v)
	return nil
}

// Quiet hours: no reminder is sent between 21:00 and 08:00 in the user's
// time zone.
const (
	quietFrom = 21
	quietTo   = 8
)

// DefaultTZ is the time zone of users who did not choose one.
const DefaultTZ = "Europe/Berlin"

// location loads a time zone, falling back to DefaultTZ.
func location(tz string) *time.Location {
	if tz != "" {
		if loc, err := time.LoadLocation(tz); err == nil {
			return loc
		}
	}
	loc, err := time.LoadLocation(DefaultTZ)
	if err != nil {
		return time.UTC
	}
	return loc
}

// QuietUntil returns when quiet hours end if t falls in them (in the user's
// zone), and whether it does.
func QuietUntil(t time.Time, tz string) (time.Time, bool) {
	local := t.In(location(tz))
	h := local.Hour()
	if h >= quietTo && h < quietFrom {
		return t, false
	}
	day := local
	if h >= quietFrom {
		day = local.AddDate(0, 0, 1)
	}
	return time.Date(day.Year(), day.Month(), day.Day(), quietTo, 0, 0, 0, local.Location()).UTC(), true
}

// AfterDays returns the same local clock time days later in the user's
// zone (so a daylight-saving change does not shift it), in UTC.
func AfterDays(t time.Time, days int, tz string) time.Time {
	return t.In(location(tz)).AddDate(0, 0, days).UTC()
}
