package flows

import (
	"cmp"
	"context"
	"fmt"
	"html"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Stats is an aggregate view of all sessions for admins: counts only,
// nothing about any one user.
type Stats struct {
	// Users is the number of stored sessions; Active7 and Active30 those
	// active in the last 7 and 30 days.
	Users, Active7, Active30 int
	// Languages counts users per language.
	Languages map[string]int
	// Steps counts users per "flow/step" they are at now.
	Steps map[string]int
	// Counts are the usage counters of the days [StatsPeriod] names, one
	// per stored key.
	Counts []Count
}

// Add counts one stored session, given its language, open flow and step,
// and when it was last active.
func (st *Stats) Add(lang, flow, step string, updated, now time.Time) {
	st.Users++
	if now.Sub(updated) <= 7*24*time.Hour {
		st.Active7++
	}
	if now.Sub(updated) <= 30*24*time.Hour {
		st.Active30++
	}
	st.Languages[lang]++
	if flow != "" {
		st.Steps[flow+"/"+step]++
	}
}

// StatsSource computes [Stats]; package store implements it.
type StatsSource interface {
	Stats(ctx context.Context, now time.Time) (Stats, error)
}

// adminCommands are the commands only admins may use; for anyone else
// they do not exist.
var adminCommands = map[string]bool{"stats": true, "reload": true, "broadcast": true}

// ReloadFunc re-reads the content from where it came from, checks it and,
// if it passes, makes the engine run it (see [Engine.Replace]); it returns
// a short summary of what was loaded.
type ReloadFunc func(ctx context.Context) (summary string, err error)

// reload runs the admin's /reload.
func (t *turn) reload() {
	if t.e.reload == nil {
		t.say(t.tr("admin.reload.unavailable", nil), nil)
		return
	}
	summary, err := t.e.reload(t.ctx)
	if err != nil {
		t.e.log.Warn("reload refused", "err", err)
		t.say(t.tr("admin.reload.failed", map[string]any{"Problem": html.EscapeString(clip(err.Error(), 1000))}), nil)
		return
	}
	t.e.log.Info("content reloaded", "summary", summary)
	t.say(t.tr("admin.reload.done", map[string]any{"Summary": html.EscapeString(summary)}), nil)
}

// isAdmin reports whether the event comes from an admin.
func (t *turn) isAdmin() bool {
	return t.ev.User != 0 && slices.Contains(t.e.admins, t.ev.User)
}

// maxStatsRows bounds each table of /stats, so the answer fits one message.
const maxStatsRows = 10

// stats shows the aggregate statistics to an admin: the stored users, and
// what the usage counters of the last [StatsDays] days say.
func (t *turn) stats() {
	if t.e.stats == nil {
		t.say(t.tr("admin.unavailable", nil), nil)
		return
	}
	st, err := t.e.stats.Stats(t.ctx, t.now)
	if err != nil {
		t.e.log.Error("stats", "err", err)
		t.say(t.tr("admin.unavailable", nil), nil)
		return
	}
	u := summarize(st.Counts)
	from, to := StatsPeriod(t.now)
	parts := []string{
		t.tr("admin.stats", map[string]any{"Users": st.Users, "Active7": st.Active7, "Active30": st.Active30}),
		t.tr("admin.stats.period", map[string]any{"From": from.Format(DateLayout), "To": to.Format(DateLayout)}),
	}
	if len(st.Counts) == 0 {
		parts = append(parts, t.tr("admin.stats.empty", nil))
	}
	section := func(id string, rows [][]string) {
		if len(rows) > 0 {
			parts = append(parts, t.tr(id, nil)+"\n<pre>"+preEscaper.Replace(table(rows))+"</pre>")
		}
	}
	section("admin.stats.flows", u.flowRows())
	section("admin.stats.links", countRows(u.links))
	section("admin.stats.languages", u.languageRows(st.Languages))
	section("admin.stats.dropoff", u.dropoffRows(t.c, st.Steps))
	if r := u.reminders; len(r) > 0 {
		parts = append(parts, t.tr("admin.stats.reminders", map[string]any{
			"Set": r["set"], "Sent": r["sent"], "Done": r["done"], "Again": r["again"], "Stopped": r["stop"]}))
	}
	t.say(strings.Join(parts, "\n\n"), nil)
}

// usage is the sum of usage counters over a period.
type usage struct {
	menu, links, done  map[string]uint64 // by flow
	deeplink           map[string]uint64 // starts by deep link, by flow
	sessions, newUsers map[string]uint64 // by language
	switches           map[string]uint64 // by language chosen
	left               map[string]uint64 // by "flow/step"
	reminders          map[string]uint64 // by event
}

func summarize(counts []Count) usage {
	u := usage{menu: map[string]uint64{}, links: map[string]uint64{}, done: map[string]uint64{},
		deeplink: map[string]uint64{}, sessions: map[string]uint64{}, newUsers: map[string]uint64{},
		switches: map[string]uint64{}, left: map[string]uint64{}, reminders: map[string]uint64{}}
	for _, n := range counts {
		c, ok := ParseCounter(n.Key)
		if !ok {
			continue
		}
		switch c.Kind {
		case CountStart:
			if c.Label == "deeplink" {
				u.deeplink[c.Flow] += n.N
			} else {
				u.menu[c.Flow] += n.N
			}
		case CountDeepLink:
			u.links[c.Flow] += n.N
		case CountComplete:
			u.done[c.Flow] += n.N
		case CountLeave:
			u.left[c.Flow+"/"+c.Step] += n.N
		case CountSession:
			u.sessions[c.Label] += n.N
		case CountNew:
			u.newUsers[c.Label] += n.N
		case CountSwitch:
			u.switches[c.Label] += n.N
		case CountReminder:
			u.reminders[c.Label] += n.N
		}
	}
	return u
}

// flowRows: flow, starts (menu+link), completions, completion rate.
func (u usage) flowRows() [][]string {
	starts := map[string]uint64{}
	for _, m := range []map[string]uint64{u.menu, u.deeplink, u.done} {
		for f := range m {
			starts[f] = u.menu[f] + u.deeplink[f]
		}
	}
	var rows [][]string
	for _, f := range byCount(starts) {
		rate := "–"
		if starts[f] > 0 {
			rate = strconv.FormatUint((u.done[f]*100+starts[f]/2)/starts[f], 10) + "%"
		}
		rows = append(rows, []string{f, fmt.Sprintf("%d (%d+%d)", starts[f], u.menu[f], u.deeplink[f]),
			strconv.FormatUint(u.done[f], 10), rate})
	}
	return rows
}

// languageRows: language, active user-days, new users, switches to it,
// users stored now.
func (u usage) languageRows(stored map[string]int) [][]string {
	total := map[string]uint64{}
	for _, m := range []map[string]uint64{u.sessions, u.newUsers, u.switches} {
		for l, n := range m {
			total[l] += n
		}
	}
	for l := range stored {
		if _, ok := total[l]; !ok {
			total[l] = 0 // stored, but not active in the period: listed last
		}
	}
	var rows [][]string
	for _, l := range byCount(total) {
		name := l
		if name == "" {
			name = "?"
		}
		rows = append(rows, []string{name, strconv.FormatUint(u.sessions[l], 10), strconv.FormatUint(u.newUsers[l], 10),
			strconv.FormatUint(u.switches[l], 10), strconv.Itoa(stored[l])})
	}
	return rows
}

// dropoffRows: the steps most left, "flow/step", left there in the period
// + open sessions there now (results are not drop-offs).
func (u usage) dropoffRows(c *Content, now map[string]int) [][]string {
	total := maps.Clone(u.left)
	for k, n := range now {
		flow, step, _ := strings.Cut(k, "/")
		f := c.Flows[flow]
		if f == nil || f.Step(step) == nil || f.Step(step).Type == StepResult {
			continue
		}
		total[k] += uint64(n)
	}
	var rows [][]string
	for _, k := range byCount(total) {
		if total[k] == 0 {
			continue
		}
		rows = append(rows, []string{k, fmt.Sprintf("%d + %d", u.left[k], now[k])})
	}
	return rows
}

// countRows: key, count.
func countRows(m map[string]uint64) [][]string {
	var rows [][]string
	for _, k := range byCount(m) {
		rows = append(rows, []string{k, strconv.FormatUint(m[k], 10)})
	}
	return rows
}

// byCount returns the keys largest count first, then by name, at most
// maxStatsRows of them.
func byCount(m map[string]uint64) []string {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int {
		if c := cmp.Compare(m[b], m[a]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return keys[:min(len(keys), maxStatsRows)]
}

// table aligns rows: the first column left, the others right.
func table(rows [][]string) string {
	var width []int
	for _, r := range rows {
		for i, cell := range r {
			if i >= len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], utf8.RuneCountInString(cell))
		}
	}
	var b strings.Builder
	for n, r := range rows {
		if n > 0 {
			b.WriteByte('\n')
		}
		for i, cell := range r {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(cell))
			if i == 0 {
				b.WriteString(cell + pad)
			} else {
				b.WriteString("  " + pad + cell)
			}
		}
	}
	return b.String()
}
