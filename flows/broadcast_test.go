package flows_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"lotse/flows"
	"lotse/flows/flowstest"
)

// newBroadcastEngine returns an engine with admin 42 and broadcasts on a
// MemStore, with users: 1 (en, in the demo topic), 2 (de, in the other
// topic), 3 (en, blocked the bot) and 4 (de, no topic).
func newBroadcastEngine(t *testing.T) (*flows.Engine, *flowstest.MemStore) {
	t.Helper()
	st := flowstest.NewMemStore()
	e, err := flows.NewEngine(flows.Config{Content: loadFixture(t), Store: st, Stats: st, Broadcasts: st, Admins: []int64{42},
		Translator: strictTranslator{t, testCatalog(t)}, Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []flows.Session{
		{Chat: 1, Lang: "en", Flow: "demo", Step: "job"},
		{Chat: 2, Lang: "de", Flow: "other", Step: "info", Paused: true},
		{Chat: 3, Lang: "en", Flow: "demo", Inactive: true},
		{Chat: 4, Lang: "de"},
	} {
		s.Updated = fixedNow
		if err := st.Save(t.Context(), s, nil); err != nil {
			t.Fatal(err)
		}
	}
	return e, st
}

// do runs script lines in chat c and returns the text of everything said.
func do(t *testing.T, c *flowstest.Chat, lines ...string) string {
	t.Helper()
	var out []string
	for _, l := range lines {
		got, err := c.Do(t.Context(), l)
		if err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		out = append(out, got...)
	}
	return strings.Join(out, "\n")
}

// TestBroadcastDialogue: an admin picks a segment, gives a main text and
// one language's own text, sees the dry run, and sends; the record holds
// what was chosen, and the draft is gone from the session.
func TestBroadcastDialogue(t *testing.T) {
	e, st := newBroadcastEngine(t)
	admin := flowstest.NewChat(e, 42, "en")
	admin.User = 42
	do(t, admin, "/start", "[✓ English]")

	got := do(t, admin, "/broadcast")
	for _, w := range []string{"New broadcast", "[👥 All users → a:all]", "[Deutsch → a:l-de]", "[Demo topic → a:f-demo]", "[✖ Cancel → a:cancel]"} {
		if !strings.Contains(got, w) {
			t.Errorf("/broadcast lacks %q:\n%s", w, got)
		}
	}
	got = do(t, admin, "[👥 All users]")
	if !strings.Contains(got, "Send me the text") || !strings.Contains(got, "at most 4000 characters") {
		t.Fatalf("after the segment:\n%s", got)
	}
	got = do(t, admin, "Hello <b>all</b> & welcome")
	if !strings.Contains(got, "Own text for the users who read Deutsch (users: 2)") {
		t.Fatalf("after the main text:\n%s", got)
	}
	got = do(t, admin, "Hallo alle")
	if !strings.Contains(got, "Own text for the users who read English (users: 2)") {
		t.Fatalf("after the German text:\n%s", got)
	}
	got = do(t, admin, "[⏭ Skip]")
	for _, w := range []string{"<b>Preview</b>: 👥 All users", "Recipients: 4 (de 2✎, en 2", "Skipped (blocked the bot): 1",
		"Hello &lt;b&gt;all&lt;/b&gt; &amp; welcome", "[✅ Send now → a:send]"} {
		if !strings.Contains(got, w) {
			t.Errorf("preview lacks %q:\n%s", w, got)
		}
	}
	if bs, _ := st.Broadcasts(t.Context(), 5); len(bs) != 0 {
		t.Fatalf("the dry run stored a broadcast: %+v", bs)
	}
	got = do(t, admin, "[✅ Send now]")
	if !strings.Contains(got, "Broadcast queued") {
		t.Errorf("after Send:\n%s", got)
	}
	bs, _ := st.Broadcasts(t.Context(), 5)
	if len(bs) != 1 {
		t.Fatalf("%d broadcasts stored, want 1", len(bs))
	}
	b := bs[0]
	if b.Segment.Kind != flows.SegmentAll || b.Status != flows.BroadcastSending || b.Texts[""] != "Hello <b>all</b> & welcome" ||
		b.Texts["de"] != "Hallo alle" || len(b.Texts) != 2 {
		t.Errorf("stored broadcast: %+v", b)
	}
	if s, _, _ := st.Session(t.Context(), 42); s.Draft != nil {
		t.Errorf("the draft stays in the session: %+v", s.Draft)
	}
	// Send again (an old button): nothing more is stored.
	if _, err := admin.Press(t.Context(), admin.Last()-1, "a:send"); err != nil {
		t.Fatal(err)
	}
	if bs, _ := st.Broadcasts(t.Context(), 5); len(bs) != 1 {
		t.Errorf("a second Send stored %d broadcasts", len(bs))
	}
}

// TestBroadcastDialogueEdges: who may use it, cancelling, too long texts,
// a segment nobody can receive, and that another command drops a draft.
func TestBroadcastDialogueEdges(t *testing.T) {
	tests := []struct {
		name      string
		user      int64
		blocked   []int64 // chats that blocked the bot
		lines     []string
		want      []string
		forbidden []string
	}{
		{name: "not an admin", user: 7, lines: []string{"/broadcast"}, want: []string{"I do not know the command /broadcast."}, forbidden: []string{"New broadcast"}},
		{name: "forged button", user: 7, lines: []string{"[!a:all]"}, want: []string{"This button has expired"}, forbidden: []string{"Send me the text"}},
		{name: "cancel", user: 42, lines: []string{"/broadcast", "[👥 All users]", "[✖ Cancel]", "some text"},
			want: []string{"Cancelled. Nothing was sent."}, forbidden: []string{"Own text"}},
		{name: "too long", user: 42, lines: []string{"/broadcast", "[Deutsch]", strings.Repeat("x", 4001)},
			want: []string{"This text has 4001 characters; at most 4000 fit."}, forbidden: []string{"Preview"}},
		{name: "one language: no further texts", user: 42, lines: []string{"/broadcast", "[Deutsch]", "Hallo"},
			want: []string{"Preview</b>: Language: Deutsch", "Recipients: 2 (de 2✎"}, forbidden: []string{"Own text"}},
		{name: "topic segment", user: 42, lines: []string{"/broadcast", "[Demo topic]", "Hi"},
			want: []string{"Topic: Demo topic", "Recipients: 1 (en 1;", "Skipped (blocked the bot): 1"}},
		{name: "nobody to reach", user: 42, blocked: []int64{2}, lines: []string{"/broadcast", "[Other topic]"}, want: []string{"Nobody in this group"}},
		{name: "another command drops the draft", user: 42, lines: []string{"/broadcast", "[👥 All users]", "/menu", "nurse"},
			forbidden: []string{"Own text", "Preview"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := newBroadcastEngine(t)
			for _, chat := range tt.blocked {
				handle(t, e, flows.Event{Chat: chat, Kind: flows.KindBlocked})
			}
			c := flowstest.NewChat(e, 100+tt.user, "en")
			c.User = tt.user
			var got string
			for _, l := range tt.lines {
				out, err := c.Do(t.Context(), l)
				if err != nil {
					t.Fatalf("%s: %v", l, err)
				}
				got += strings.Join(out, "\n") + "\n"
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("lacks %q:\n%s", w, got)
				}
			}
			for _, f := range tt.forbidden {
				if strings.Contains(got, f) {
					t.Errorf("shows %q:\n%s", f, got)
				}
			}
		})
	}
}

// TestSegmentHas: what each segment means for a session.
func TestSegmentHas(t *testing.T) {
	s := flows.Session{Lang: "uk", Flow: "recognition", Step: "result", Paused: true}
	tests := []struct {
		seg  flows.Segment
		want bool
	}{
		{flows.Segment{Kind: flows.SegmentAll}, true},
		{flows.Segment{Kind: flows.SegmentLang, Value: "uk"}, true},
		{flows.Segment{Kind: flows.SegmentLang, Value: "ru"}, false},
		{flows.Segment{Kind: flows.SegmentFlow, Value: "recognition"}, true},
		{flows.Segment{Kind: flows.SegmentFlow, Value: "study"}, false},
		{flows.Segment{Kind: "nonsense"}, false},
	}
	for _, tt := range tests {
		if got := tt.seg.Has(s); got != tt.want {
			t.Errorf("%+v.Has = %v, want %v", tt.seg, got, tt.want)
		}
	}
}

// TestBroadcastDelivery: the engine sends each member the text of their
// language, escaped, once; skips who blocked the bot; ignores repeats,
// chats before the cursor and non-members; counts a 403; and a stopped
// broadcast sends nothing more.
func TestBroadcastDelivery(t *testing.T) {
	ctx := context.Background()
	e, st := newBroadcastEngine(t)
	b := &flows.Broadcast{Segment: flows.Segment{Kind: flows.SegmentAll}, Status: flows.BroadcastSending,
		Texts: map[string]string{"": "Hi <you> & co", "de": "Hallo"}}
	if err := st.Save(ctx, flows.Session{Chat: 42, Lang: "en"}, nil, flows.Change{Broadcast: b}); err != nil {
		t.Fatal(err)
	}
	ev := func(chat int64) flows.Event {
		return flows.Event{Chat: chat, Kind: flows.KindBroadcast, Broadcast: b.ID}
	}
	steps := []struct {
		name string
		ev   flows.Event
		want string // the text sent, "" for none
	}{
		{"en member", ev(1), "Hi &lt;you&gt; &amp; co"},
		{"repeat", ev(1), ""},
		{"de member", ev(2), "Hallo"},
		{"blocked member", ev(3), ""},
		{"no session", ev(5), ""},
		{"before the cursor", ev(2), ""},
		{"admin (en)", ev(42), "Hi &lt;you&gt; &amp; co"},
		{"403 on it", flows.Event{Chat: 42, Kind: flows.KindBlocked, Broadcast: b.ID}, ""},
	}
	for _, s := range steps {
		res, err := e.Handle(ctx, s.ev)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		var texts []string
		for _, r := range res.Replies {
			texts = append(texts, r.Text)
			if r.Broadcast != b.ID {
				t.Errorf("%s: reply without its broadcast: %+v", s.name, r)
			}
		}
		if got := strings.Join(texts, "|"); got != s.want {
			t.Errorf("%s: sent %q, want %q", s.name, got, s.want)
		}
	}
	got, _, _ := st.Broadcast(ctx, b.ID)
	if got.Sent != 3 || got.Skipped != 1 || got.Blocked != 1 || got.Cursor != 42 {
		t.Errorf("broadcast after delivery: sent %d skipped %d blocked %d cursor %d; want 3 1 1 42", got.Sent, got.Skipped, got.Blocked, got.Cursor)
	}
	if s, _, _ := st.Session(ctx, 42); !s.Inactive {
		t.Error("a 403 on a broadcast did not mark the chat inactive")
	}

	// Status and Stop, as the admin sees them.
	b2 := &flows.Broadcast{Segment: flows.Segment{Kind: flows.SegmentLang, Value: "de"}, Status: flows.BroadcastSending, Texts: map[string]string{"": "x"}, Created: fixedNow}
	if err := st.Save(ctx, flows.Session{Chat: 43, Lang: "en"}, nil, flows.Change{Broadcast: b2}); err != nil {
		t.Fatal(err)
	}
	admin := flowstest.NewChat(e, 44, "en")
	admin.User = 42
	status := do(t, admin, "/broadcast status")
	for _, w := range []string{"Recent broadcasts", "<b>#2</b> of 2026-11-24, Language: Deutsch: sending", "<b>#1</b>",
		"Sent: 3, refused by Telegram (blocked the bot): 1", "Skipped (had blocked the bot): 1", "[⏹ Stop #2 → a:stop-2]", "[⏹ Stop #1 → a:stop-1]"} {
		if !strings.Contains(status, w) {
			t.Errorf("/broadcast status lacks %q:\n%s", w, status)
		}
	}
	if got := do(t, admin, "[⏹ Stop #2]"); !strings.Contains(got, "Broadcast #2 stopped") {
		t.Errorf("stop:\n%s", got)
	}
	if res, _ := e.Handle(ctx, flows.Event{Chat: 2, Kind: flows.KindBroadcast, Broadcast: b2.ID}); len(res.Replies) != 0 {
		t.Errorf("a stopped broadcast still sends: %+v", res.Replies)
	}
}
