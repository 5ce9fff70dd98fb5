package flows

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
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
}

// StatsSource computes [Stats]; package store implements it.
type StatsSource interface {
	Stats(ctx context.Context, now time.Time) (Stats, error)
}

// adminCommands are the commands only admins may use; for anyone else
// they do not exist.
var adminCommands = map[string]bool{"stats": true}

// isAdmin reports whether the event comes from an admin.
func (t *turn) isAdmin() bool {
	return t.ev.User != 0 && slices.Contains(t.e.admins, t.ev.User)
}

// stats shows the aggregate statistics to an admin.
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
	text := t.tr("admin.stats", map[string]any{"Users": st.Users, "Active7": st.Active7, "Active30": st.Active30})
	t.say(text+"\n<pre>"+preEscaper.Replace(countLines(st.Languages)+"\n\n"+countLines(st.Steps))+"</pre>", nil)
}

// countLines formats counts as "key  n" lines, largest first.
func countLines(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(a, b)
	})
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%-28s %d", k, m[k])
	}
	return b.String()
}
