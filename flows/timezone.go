package flows

import (
	"strconv"
	"strings"
)

// TimeZones are the zones /timezone offers: Germany's, and those of the
// largest groups of Lotse's users (Ukraine, Syria, Poland, Romania,
// Afghanistan, India, Pakistan, Iran, China, Bangladesh, Vietnam, Turkey,
// Iraq). Buttons carry the index, so the list only grows at its end.
var TimeZones = []string{
	"Europe/Berlin", "Europe/Kyiv", "Asia/Damascus", "Europe/Warsaw", "Europe/Bucharest",
	"Asia/Kabul", "Asia/Kolkata", "Asia/Karachi", "Asia/Tehran", "Asia/Shanghai",
	"Asia/Dhaka", "Asia/Ho_Chi_Minh", "Europe/Istanbul", "Asia/Baghdad",
}

// zoneName is a zone's city, for buttons: "Asia/Ho_Chi_Minh" → "Ho Chi Minh".
func zoneName(tz string) string {
	_, city, _ := strings.Cut(tz, "/")
	return strings.ReplaceAll(city, "_", " ")
}

// timezonePicker answers /timezone: the current zone and one button per
// zone, each with the time there now.
func (t *turn) timezonePicker() {
	var rows [][]Button
	for i, tz := range TimeZones {
		label := zoneName(tz) + " · " + t.now.In(location(tz)).Format("15:04")
		if tz == t.tz() {
			label = "✓ " + label
		}
		b := Button{Label: label, Data: Callback{Action: ActZone, Value: strconv.Itoa(i)}.String()}
		if i%2 == 0 {
			rows = append(rows, []Button{b})
		} else {
			rows[len(rows)-1] = append(rows[len(rows)-1], b)
		}
	}
	t.say(t.tr("settings.timezone", map[string]any{"Zone": zoneName(t.tz())}), rows)
}

// setTimezone stores the chosen zone; pending reminders follow it (quiet
// hours are the user's).
func (t *turn) setTimezone(value string) {
	i, err := strconv.Atoi(value)
	if err != nil || i < 0 || i >= len(TimeZones) {
		t.expired()
		return
	}
	t.s.TZ = TimeZones[i]
	for _, r := range t.reminders() {
		r.TZ = t.s.TZ
		t.changes = append(t.changes, ReminderChange{Put: &r})
	}
	t.clearButtons()
	t.prefix = t.tr("settings.timezone.set", map[string]any{"Zone": zoneName(t.s.TZ)})
	t.reshow()
}
