package flows_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"lotse/flows"
	"lotse/flows/flowstest"
)

// TestUsageCounters runs conversations and compares every usage counter
// they leave with what they should (all of them: a counter too many fails
// as well). "+1d" moves the clock to the next day.
func TestUsageCounters(t *testing.T) {
	const d1, d2 = "2026-11-24|", "2026-11-25|"
	tests := []struct {
		name  string
		lines []string
		want  map[string]uint64
	}{
		{
			name:  "from the menu to a result",
			lines: []string{"/start", "[✓ English]", "[Demo topic]", "nurse", "[In the EU]", "/help"},
			want: map[string]uint64{
				d1 + "new|||en": 1, d1 + "session|||en": 1,
				d1 + "start|demo||menu": 1,
				d1 + "view|demo|job|":   1, d1 + "view|demo|origin|": 1, d1 + "view|demo|result|": 1,
				d1 + "complete|demo|result|": 1,
			},
		},
		{
			name:  "deep links, known and unknown; leaving a flow for another",
			lines: []string{"/start demo", "/start nosuch", "/start ../etc/passwd", "/start Other"},
			want: map[string]uint64{
				d1 + "new|||en": 1, d1 + "session|||en": 1,
				d1 + "deeplink|demo||": 1, d1 + "start|demo||deeplink": 1, d1 + "view|demo|job|": 1,
				d1 + "deeplink|(other)||":  2,
				d1 + "leave|demo|job|flow": 1,
				d1 + "deeplink|other||":    1, d1 + "start|other||deeplink": 1,
				d1 + "view|other|info|": 1, d1 + "complete|other|info|": 1,
			},
		},
		{
			name: "Back, the menu and resuming are no drop-off; another topic after that is",
			lines: []string{"/start", "[✓ English]", "[Demo topic]", "nurse", "[◀ Back]", "nurse",
				"[🏠 Main menu]", "/start", "[▶ Continue]", "{sticker}", "/menu", "[Other topic]"},
			want: map[string]uint64{
				d1 + "new|||en": 1, d1 + "session|||en": 1,
				d1 + "start|demo||menu": 1, d1 + "view|demo|job|": 1, d1 + "view|demo|origin|": 2,
				d1 + "leave|demo|origin|flow": 1,
				d1 + "start|other||menu":      1, d1 + "view|other|info|": 1, d1 + "complete|other|info|": 1,
			},
		},
		{
			name:  "another topic after a result is no drop-off",
			lines: []string{"/start", "[✓ English]", "[Demo topic]", "nurse", "[In the EU]", "[🏠 Main menu]", "[Other topic]"},
			want: map[string]uint64{
				d1 + "new|||en": 1, d1 + "session|||en": 1,
				d1 + "start|demo||menu": 1, d1 + "view|demo|job|": 1, d1 + "view|demo|origin|": 1,
				d1 + "view|demo|result|": 1, d1 + "complete|demo|result|": 1,
				d1 + "start|other||menu": 1, d1 + "view|other|info|": 1, d1 + "complete|other|info|": 1,
			},
		},
		{
			name:  "deleting one's data mid-flow; coming back is a new user",
			lines: []string{"/start", "[✓ English]", "[Demo topic]", "/delete", "[Yes, delete everything]", "/start"},
			want: map[string]uint64{
				d1 + "new|||en": 2, d1 + "session|||en": 2,
				d1 + "start|demo||menu": 1, d1 + "view|demo|job|": 1,
				d1 + "leave|demo|job|delete": 1,
			},
		},
		{
			name:  "language switches, and active days",
			lines: []string{"/start", "[Deutsch]", "/menu", "+1d", "/menu", "/language", "[✓ Deutsch]", "/language", "[English]", "+1d"},
			want: map[string]uint64{
				d1 + "new|||en": 1, d1 + "session|||en": 1, d1 + "switch|||de": 1,
				d2 + "session|||de": 1, d2 + "switch|||en": 1,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t: fixedNow}
			e, st := newEngineAt(t, c.now)
			chat := flowstest.NewChat(e, 7, "en")
			for _, line := range tt.lines {
				if line == "+1d" {
					c.t = c.t.AddDate(0, 0, 1)
					continue
				}
				if _, err := chat.Do(t.Context(), line); err != nil {
					t.Fatalf("%s: %v", line, err)
				}
			}
			if got := st.Counters(); !maps.Equal(got, tt.want) {
				t.Errorf("counters:\n%s\nwant:\n%s", dump(got), dump(tt.want))
			}
		})
	}
}

// TestReminderCounters: a follow-up set, sent, put off, sent again and
// done; a deadline subscribed, sent and stopped.
func TestReminderCounters(t *testing.T) {
	c := &clock{t: fixedNow}
	e, st := newEngineAt(t, c.now)
	chat := toResult(t, e)
	chat.Do(t.Context(), "[⏰ Remind me to do this]")
	chat.Do(t.Context(), "[In 1 week]")
	chat.Do(t.Context(), "[🔔 Remind me: Demo deadline]")
	c.t = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	dispatch(t, e, st, c, chat)
	chat.Do(t.Context(), "[⏰ Again in a week]")
	c.t = time.Date(2026, 12, 8, 12, 0, 0, 0, time.UTC)
	dispatch(t, e, st, c, chat)
	chat.Do(t.Context(), "[✅ Done]")
	c.t = time.Date(2027, 2, 22, 8, 0, 0, 0, time.UTC)
	dispatch(t, e, st, c, chat)
	chat.Do(t.Context(), "[🛑 Stop this reminder]")

	got := map[string]uint64{}
	for k, n := range st.Counters() {
		if strings.Contains(k, "|reminder|") {
			got[k] = n
		}
	}
	want := map[string]uint64{
		"2026-11-24|reminder|demo|result|set":     1,
		"2026-11-24|reminder|deadline|fixdl|set":  1,
		"2026-12-01|reminder|demo|result|sent":    1,
		"2026-12-01|reminder|demo|result|again":   1,
		"2026-12-08|reminder|demo|result|sent":    1,
		"2026-12-08|reminder|demo|result|done":    1,
		"2027-02-22|reminder|deadline|fixdl|sent": 1,
		"2027-02-22|reminder|deadline|fixdl|stop": 1,
	}
	if !maps.Equal(got, want) {
		t.Errorf("reminder counters:\n%s\nwant:\n%s", dump(got), dump(want))
	}
}

// TestStatsCommand: /stats exists only for admins, and shows the usage
// counters of the last 30 days next to the stored sessions.
func TestStatsCommand(t *testing.T) {
	e, _ := newAdminEngine(t, 42)
	// Some use: one chat finishes the demo, one leaves it for the other
	// topic, one came by an unknown deep link and stays at the first
	// question, one used the bot 40 days ago.
	handle(t, e, flows.Event{Chat: 4, LangCode: "de", Kind: flows.KindCommand, Command: "start", Text: "demo", At: fixedNow.AddDate(0, 0, -40)})
	a := flowstest.NewChat(e, 1, "en")
	for _, l := range []string{"/start", "[✓ English]", "[Demo topic]", "nurse", "[In the EU]"} {
		a.Do(t.Context(), l)
	}
	b := flowstest.NewChat(e, 2, "de")
	for _, l := range []string{"/start demo", "[🏠 Hauptmenü]", "[Anderes Thema]"} {
		if _, err := b.Do(t.Context(), l); err != nil {
			t.Fatal(err)
		}
	}
	c := flowstest.NewChat(e, 3, "en")
	c.Do(t.Context(), "/start campaign_x")
	c.Do(t.Context(), "[Deutsch]")
	c.Do(t.Context(), "[Demo-Thema]")

	tests := []struct {
		name      string
		user      int64
		want      []string
		forbidden []string
	}{
		{name: "admin", user: 42, want: []string{
			"<b>Lotse in numbers</b>", "Users stored: 4", "Active in the last 30 days: 3",
			"<b>Counted from 2026-10-26 to 2026-11-24</b> (UTC)",
			"demo   3 (2+1)  1   33%",
			"other  1 (1+0)  1  100%",
			"(other)  1\ndemo     1",
			"en  2  2  0  1", "de  1  1  1  3",
			"demo/job  1 + 2",
		}, forbidden: []string{"Reminders:", "campaign_x", "Nothing counted"}},
		{name: "not an admin", user: 7, want: []string{"I do not know the command /stats."}, forbidden: []string{"Lotse in numbers"}},
		{name: "no user", user: 0, want: []string{"I do not know the command /stats."}, forbidden: []string{"Lotse in numbers"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := handle(t, e, flows.Event{Chat: 100 + tt.user, User: tt.user, LangCode: "en", Kind: flows.KindCommand, Command: "stats"})
			var text string
			for _, r := range res.Replies {
				text += r.Text + "\n"
			}
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("/stats lacks %q:\n%s", w, text)
				}
			}
			for _, f := range tt.forbidden {
				if strings.Contains(text, f) {
					t.Errorf("/stats shows %q:\n%s", f, text)
				}
			}
			if n := flows.VisibleLen(text); n > 4096 {
				t.Errorf("/stats is %d characters, more than one message", n)
			}
		})
	}
}

// TestStatsCommandEmpty: with no counters in the period, /stats says so.
func TestStatsCommandEmpty(t *testing.T) {
	e, _ := newAdminEngine(t, 42)
	res := handle(t, e, flows.Event{Chat: 42, User: 42, LangCode: "de", Kind: flows.KindCommand, Command: "stats",
		At: fixedNow.AddDate(1, 0, 0)})
	if len(res.Replies) != 1 || !strings.Contains(res.Replies[0].Text, "In diesem Zeitraum wurde noch nichts gezählt.") {
		t.Errorf("/stats without counters: %+v", res.Replies)
	}
}

// TestCountersConcurrent: many chats at once (events of one chat in
// order, as the bot guarantees) lose no count. Run with -race.
func TestCountersConcurrent(t *testing.T) {
	e, st := newEngine(t)
	const chats = 40
	var wg sync.WaitGroup
	errs := make(chan error, chats)
	for i := range chats {
		wg.Go(func() {
			chat := flowstest.NewChat(e, int64(1000+i), "en")
			for _, l := range []string{"/start demo", "nurse", "[In the EU]", "/start other"} {
				if _, err := chat.Do(t.Context(), l); err != nil {
					errs <- fmt.Errorf("chat %d, %s: %w", i, l, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got := st.Counters()
	for _, k := range []string{"start|demo||deeplink", "complete|demo|result|", "start|other||deeplink", "new|||en"} {
		if n := got["2026-11-24|"+k]; n != chats {
			t.Errorf("%s = %d, want %d", k, n, chats)
		}
	}
	if n := got["2026-11-24|leave|demo|result|flow"]; n != 0 {
		t.Errorf("a finished flow counted as left %d times", n)
	}
}

func TestParseCounter(t *testing.T) {
	tests := []struct {
		key string
		ok  bool
	}{
		{"2026-11-24|start|recognition||deeplink", true},
		{"2026-11-24|session|||uk", true},
		{"2026-11-24|start|recognition|deeplink", false},
		{"yesterday|start|recognition||menu", false},
		{"", false},
	}
	for _, tt := range tests {
		c, ok := flows.ParseCounter(tt.key)
		if ok != tt.ok || ok && c.Key() != tt.key {
			t.Errorf("ParseCounter(%q) = %+v, %v; want ok %v and the key back", tt.key, c, ok, tt.ok)
		}
	}
}

func newAdminEngine(t *testing.T, admin int64) (*flows.Engine, *flowstest.MemStore) {
	t.Helper()
	st := flowstest.NewMemStore()
	e, err := flows.NewEngine(flows.Config{Content: loadFixture(t), Store: st, Stats: st, Admins: []int64{admin},
		Translator: strictTranslator{t, testCatalog(t)}, Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	return e, st
}

func handle(t *testing.T, e *flows.Engine, ev flows.Event) flows.Result {
	t.Helper()
	res, err := e.Handle(t.Context(), ev)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func dump(m map[string]uint64) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(&b, "  %s = %d\n", k, m[k])
	}
	return b.String()
}
